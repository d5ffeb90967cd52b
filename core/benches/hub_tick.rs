//! One sampling tick of the hub with 10,000 subscribers: `Input::Timeout` -> `Output::Sample` ->
//! `Input::Sample` (derive + encode once) -> drain the 10,000 `Output::Send`.
//!
//! `cargo bench -p psmonitor-core --bench hub_tick`
#![allow(clippy::disallowed_methods)] // a benchmark may read the clock once for its fake base

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use psmonitor_core::auth::{AccountEntropy, Argon2Params, create_account, verify_password};
use psmonitor_core::hub::{ConnId, HttpRequest, Hub, HubConfig, Input, Now, Output, ReqId};
use psmonitor_core::model::{HostReading, HostRecording};

const SUBSCRIBERS: u64 = 10_000;
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A fake clock: `base` plus whole milliseconds.
fn at(base: Instant, millis: u64) -> Now {
    Now {
        mono: base + Duration::from_millis(millis),
        wall: UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(millis),
    }
}

fn readings() -> Vec<HostReading> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/hosts/vm-no-sensors.json");
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let rec: HostRecording = serde_json::from_str(&text).expect("fixture parses");
    rec.readings
}

fn http_request(
    method: &str,
    path: &str,
    authorization: Option<String>,
    body: Vec<u8>,
) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: None,
        authorization,
        host: None,
        accept: None,
        body,
        peer: PEER,
        secure: false,
        if_none_match: None,
        content_type: Some("application/json".to_owned()),
        origin: None,
    }
}

/// Feeds `input`, answers password checks for real, returns the one response's body.
fn respond(hub: &mut Hub, now: Now, input: Input) -> serde_json::Value {
    hub.handle_input(now, input);
    let mut body = None;
    loop {
        match hub.poll_output() {
            Output::Wait(_) => break,
            Output::VerifyPassword { job, phc, password } => {
                let ok = verify_password(&phc, &password);
                hub.handle_input(now, Input::PasswordVerified { job, ok });
            }
            Output::Respond { response, .. } => {
                assert_eq!(response.status, 200, "{}", response.body);
                body = Some(serde_json::from_str(&response.body).expect("json body"));
            }
            _ => {}
        }
    }
    body.expect("a response")
}

/// A hub at `now` with `SUBSCRIBERS` paired websockets, through login, worker and connect.
fn hub_with_subscribers(now: Now) -> Hub {
    let entropy = AccountEntropy {
        user_id: [1; 16],
        password: [2; 32],
        salt: [3; 16],
        jwt_secret: [4; 32],
    };
    let made = create_account(&entropy, None, Argon2Params::testing()).expect("account");
    let config = HubConfig {
        max_connections: usize::try_from(SUBSCRIBERS).expect("fits"),
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, made.account, [9; 32], now);
    let login = serde_json::json!({"username": "PSMonitor", "password": made.password.expose()});
    let request = http_request(
        "POST",
        "/authenticate",
        None,
        login.to_string().into_bytes(),
    );
    let body = respond(
        &mut hub,
        now,
        Input::Request {
            req: ReqId(0),
            request,
        },
    );
    let bearer = format!("Bearer {}", body["token"].as_str().expect("token"));
    let user_id = body["user_id"].as_str().expect("user id").to_owned();
    for n in 0..SUBSCRIBERS {
        let request = http_request("POST", "/worker", Some(bearer.clone()), Vec::new());
        let body = respond(
            &mut hub,
            now,
            Input::Request {
                req: ReqId(n + 1),
                request,
            },
        );
        let id = body["id"].as_str().expect("worker id");
        let query = Some(format!("id={id}&subscriber={user_id}"));
        hub.handle_input(
            now,
            Input::Connected {
                conn: ConnId(n),
                query,
                peer: PEER,
            },
        );
        while !matches!(hub.poll_output(), Output::Wait(_)) {}
    }
    assert_eq!(hub.connections(), 10_000);
    hub
}

/// Runs one tick at `now`; returns how many frames went out.
fn tick(hub: &mut Hub, now: Now, reading: Box<HostReading>) -> usize {
    hub.handle_input(now, Input::Timeout);
    assert!(
        matches!(hub.poll_output(), Output::Sample(_)),
        "a sample is due"
    );
    hub.handle_input(now, Input::Sample(reading));
    let mut sent = 0;
    loop {
        match hub.poll_output() {
            Output::Send { frame, .. } => sent += std::hint::black_box(frame).len().min(1),
            Output::Wait(_) => return sent,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn hub_tick(c: &mut Criterion) {
    let base = Instant::now();
    let readings = readings();
    let mut ms = 0;
    let mut hub = hub_with_subscribers(at(base, ms));
    // Connecting asked for a sample at once; its reading only becomes the baseline, so nothing is
    // sent until the follow-up one interval later. From then on every tick sends.
    hub.handle_input(at(base, ms), Input::Sample(Box::new(readings[0].clone())));
    while !matches!(hub.poll_output(), Output::Wait(_)) {}
    ms += 1000;
    let sent = tick(&mut hub, at(base, ms), Box::new(readings[1].clone()));
    assert_eq!(sent, 10_000);
    let mut i = 1;
    let mut group = c.benchmark_group("hub_tick");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("10000_subscribers", |b| {
        b.iter_batched(
            || {
                i += 1;
                Box::new(readings[i % readings.len()].clone())
            },
            |reading| {
                ms += 1000;
                let sent = tick(&mut hub, at(base, ms), reading);
                assert_eq!(sent, 10_000);
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, hub_tick);
criterion_main!(benches);
