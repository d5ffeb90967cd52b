//! Hub-level unit tests: robustness under arbitrary input, slot accounting, account changes.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::auth::{AccountEntropy, Argon2Params, create_account, verify_password};

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

#[allow(clippy::disallowed_methods)]
fn base() -> Instant {
    Instant::now()
}

fn at(base: Instant, millis: u64) -> Now {
    Now {
        mono: base + Duration::from_millis(millis),
        wall: UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(millis),
    }
}

fn account(seed: u8) -> (Account, String) {
    let entropy = AccountEntropy {
        user_id: [seed; 16],
        password: [seed; 32],
        salt: [seed; 16],
        jwt_secret: [seed; 32],
    };
    let made = create_account(&entropy, None, Argon2Params::testing()).unwrap();
    (made.account, made.password.expose().to_owned())
}

fn request(method: &str, path: &str, auth: Option<String>, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: None,
        authorization: auth,
        host: None,
        accept: None,
        body: body.to_vec(),
        peer: PEER,
        secure: false,
        if_none_match: None,
        content_type: (!body.is_empty()).then(|| "application/json".to_owned()),
        origin: None,
    }
}

/// Drains the hub, answering password checks for real; returns everything else.
fn drain(hub: &mut Hub, now: Now) -> Vec<Output> {
    let mut seen = Vec::new();
    loop {
        match hub.poll_output() {
            Output::Wait(_) => return seen,
            Output::VerifyPassword { job, phc, password } => {
                let ok = verify_password(&phc, &password);
                hub.handle_input(now, Input::PasswordVerified { job, ok });
            }
            other => seen.push(other),
        }
    }
}

fn login(hub: &mut Hub, now: Now, password: &str) -> String {
    let body = serde_json::json!({"username": "PSMonitor", "password": password}).to_string();
    let input = Input::Request {
        req: ReqId(u64::MAX),
        request: request("POST", "/authenticate", None, body.as_bytes()),
    };
    hub.handle_input(now, input);
    let outputs = drain(hub, now);
    let [Output::Respond { response, .. }] = outputs.as_slice() else {
        panic!("one response expected: {outputs:?}");
    };
    assert_eq!(response.status, 200, "{}", response.body);
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

fn create_worker(hub: &mut Hub, now: Now, bearer: &str) -> String {
    let req = request("POST", "/worker", Some(bearer.to_owned()), b"");
    hub.handle_input(
        now,
        Input::Request {
            req: ReqId(1),
            request: req,
        },
    );
    let outputs = drain(hub, now);
    let [Output::Respond { response, .. }] = outputs.as_slice() else {
        panic!("one response expected: {outputs:?}");
    };
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// A tiny deterministic generator for the robustness test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.next() % items.len() as u64).unwrap()]
    }
}

#[test]
fn arbitrary_input_never_panics_and_every_request_is_answered_once() {
    let t0 = base();
    let (acc, password) = account(1);
    let config = HubConfig {
        max_connections: 3,
        max_pending_workers: 2,
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, acc, [9; 32], at(t0, 0));
    let bearer = login(&mut hub, at(t0, 0), &password);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut asked = BTreeSet::new();
    let mut answered = BTreeSet::new();
    let mut admitted = BTreeSet::new();
    let methods = ["GET", "POST", "PUT", "OPTIONS", "HEAD", "", "get"];
    let paths = [
        "/system",
        "/network",
        "/worker",
        "/authenticate",
        "/",
        "",
        "/connect",
        "//system",
    ];
    let bodies = [
        "",
        "{}",
        "[]",
        "null",
        "{\"username\":\"PSMonitor\",\"password\":\"x\"}",
        "{\"username\":[],\"password\":{}}",
        "\u{0}\u{1}",
        "{\"username\":\"PSMonitor\"",
    ];
    let mut millis = 1;
    for step in 0..3_000u64 {
        millis += rng.next() % 300;
        let now = at(t0, millis);
        let input = match rng.next() % 8 {
            0..=2 => {
                let auth = match rng.next() % 4 {
                    0 => None,
                    1 => Some(bearer.clone()),
                    2 => Some("Bearer x.y.z".to_owned()),
                    _ => Some(
                        rng.pick(&["", "Bearer", "bearer  ", "Basic Zm9v"])
                            .to_owned(),
                    ),
                };
                let mut req = request(rng.pick(&methods), rng.pick(&paths), auth, b"");
                req.body = rng.pick(&bodies).as_bytes().to_vec();
                if rng.next().is_multiple_of(50) {
                    req.body = vec![b'{'; 20_000];
                }
                asked.insert(ReqId(step));
                Input::Request {
                    req: ReqId(step),
                    request: req,
                }
            }
            3 => Input::Connected {
                conn: ConnId(rng.next() % 8),
                query: Some(
                    rng.pick(&["", "id=", "id=abc&subscriber=x", "&&=", "id"])
                        .to_owned(),
                ),
                peer: PEER,
            },
            4 => Input::Disconnected {
                conn: ConnId(rng.next() % 8),
            },
            5 => Input::Sample(Box::default()),
            6 => Input::PasswordVerified {
                job: JobId(rng.next() % 5),
                ok: rng.next().is_multiple_of(2),
            },
            _ => Input::Timeout,
        };
        if let Input::Disconnected { conn } = &input {
            admitted.remove(conn);
        }
        hub.handle_input(now, input);
        for output in drain(&mut hub, now) {
            match output {
                Output::Respond { req, response } => {
                    assert!(answered.insert(req), "{req:?} answered twice");
                    assert!((200..600).contains(&response.status));
                }
                Output::Send { conn, .. } => {
                    admitted.insert(conn);
                }
                Output::Close { conn, code, .. } => {
                    assert!([1008, 1013].contains(&code));
                    admitted.remove(&conn);
                }
                _ => {}
            }
        }
        assert!(hub.connections() <= 3);
        assert_eq!(hub.connections(), admitted.len());
    }
    // Shutdown answers whatever still waits for a snapshot.
    let end = at(t0, millis + 1);
    hub.handle_input(end, Input::Shutdown);
    for output in drain(&mut hub, end) {
        if let Output::Respond { req, .. } = output {
            assert!(answered.insert(req), "{req:?} answered twice");
        }
    }
    assert_eq!(answered, asked);
    assert_eq!(hub.connections(), 0);
}

#[test]
fn a_thousand_refused_upgrades_leave_every_slot_free() {
    let t0 = base();
    let (acc, password) = account(2);
    let config = HubConfig {
        max_connections: 2,
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, acc, [9; 32], at(t0, 0));
    for n in 0..1_000 {
        hub.handle_input(
            at(t0, 0),
            Input::Connected {
                conn: ConnId(n),
                query: None,
                peer: PEER,
            },
        );
        let outputs = drain(&mut hub, at(t0, 0));
        assert!(matches!(
            outputs.as_slice(),
            [Output::Close {
                code: 1008,
                reason: "Invalid worker id",
                ..
            }]
        ));
    }
    assert_eq!(hub.connections(), 0);
    let bearer = login(&mut hub, at(t0, 0), &password);
    let user = hub.account().user_id.clone();
    for n in 0..3 {
        let id = create_worker(&mut hub, at(t0, 0), &bearer);
        assert!(
            !format!("{hub:?}").contains(&id),
            "hub Debug leaks a worker id"
        );
        let query = Some(format!("id={id}&subscriber={user}"));
        hub.handle_input(
            at(t0, 1),
            Input::Connected {
                conn: ConnId(5_000 + n),
                query,
                peer: PEER,
            },
        );
        let outputs = drain(&mut hub, at(t0, 1));
        let refused = outputs
            .iter()
            .any(|o| matches!(o, Output::Close { code: 1013, .. }));
        assert_eq!(refused, n == 2, "{outputs:?}");
    }
    assert_eq!(hub.connections(), 2);
}

#[test]
fn account_change_with_a_new_secret_retires_old_tokens() {
    let t0 = base();
    let (old, old_password) = account(3);
    let mut hub = Hub::new(HubConfig::default(), old, [9; 32], at(t0, 0));
    let old_bearer = login(&mut hub, at(t0, 0), &old_password);
    let (new, new_password) = account(4);
    hub.handle_input(at(t0, 10), Input::AccountChanged(Box::new(new)));
    let req = request("POST", "/worker", Some(old_bearer), b"");
    hub.handle_input(
        at(t0, 20),
        Input::Request {
            req: ReqId(7),
            request: req,
        },
    );
    let outputs = drain(&mut hub, at(t0, 20));
    let [Output::Respond { response, .. }] = outputs.as_slice() else {
        panic!("{outputs:?}");
    };
    assert_eq!(response.status, 401);
    assert!(response.body.contains("invalid token signature"));
    let new_bearer = login(&mut hub, at(t0, 30), &new_password);
    assert_eq!(create_worker(&mut hub, at(t0, 30), &new_bearer).len(), 43);
}

#[test]
fn verification_results_for_unknown_jobs_are_ignored() {
    let t0 = base();
    let (acc, _) = account(5);
    let mut hub = Hub::new(HubConfig::default(), acc, [9; 32], at(t0, 0));
    hub.handle_input(
        at(t0, 0),
        Input::PasswordVerified {
            job: JobId(42),
            ok: true,
        },
    );
    assert!(matches!(hub.poll_output(), Output::Wait(None)));
}

#[test]
fn the_detailed_frame_is_made_only_while_a_detailed_subscriber_is_connected() {
    let t0 = base();
    let (acc, password) = account(4);
    let mut hub = Hub::new(HubConfig::default(), acc, [9; 32], at(t0, 0));
    let bearer = login(&mut hub, at(t0, 0), &password);
    let user = hub.account().user_id.clone();
    for (conn, detail) in [(1, "&detail=full"), (2, "")] {
        let id = create_worker(&mut hub, at(t0, 0), &bearer);
        let query = Some(format!("id={id}&subscriber={user}{detail}"));
        let input = Input::Connected {
            conn: ConnId(conn),
            query,
            peer: PEER,
        };
        hub.handle_input(at(t0, 0), input);
        drain(&mut hub, at(t0, 0));
    }
    assert_eq!(hub.detailed, BTreeSet::from([ConnId(1)]));
    let frames = |hub: &mut Hub, ms: u64| -> Vec<(ConnId, Arc<str>)> {
        let reading = Box::new(HostReading {
            monotonic_ms: ms,
            ..HostReading::default()
        });
        hub.handle_input(at(t0, ms), Input::Sample(reading));
        drain(hub, at(t0, ms))
            .into_iter()
            .filter_map(|o| match o {
                Output::Send { conn, frame } => Some((conn, frame)),
                _ => None,
            })
            .collect()
    };
    assert!(
        frames(&mut hub, 0).is_empty(),
        "the first reading is a baseline"
    );
    let sent = frames(&mut hub, 1_000);
    assert_eq!(sent.len(), 2);
    assert!(sent[0].1.contains("\"procs\":") && !sent[1].1.contains("\"procs\":"));
    assert!(sent[0].1.starts_with(sent[1].1.strip_suffix('}').unwrap()));

    hub.handle_input(at(t0, 1_500), Input::Disconnected { conn: ConnId(1) });
    drain(&mut hub, at(t0, 1_500));
    assert!(hub.detailed.is_empty());
    let sent = frames(&mut hub, 2_000);
    assert_eq!(sent.len(), 1);
    let latest = hub.sampler.latest().expect("a snapshot");
    assert_eq!(
        latest.encoded(),
        [false, false, true, false],
        "nobody wants the detailed frame any more: only the classic frame was encoded"
    );
}

#[test]
fn a_worker_asked_for_over_tls_gets_a_wss_url() {
    let now = at(base(), 0);
    let (acc, password) = account(8);
    let mut hub = Hub::new(HubConfig::default(), acc, [1; 32], now);
    let bearer = login(&mut hub, now, &password);
    for (secure, scheme) in [(false, "ws://"), (true, "wss://")] {
        let mut req = request("POST", "/worker", Some(bearer.clone()), b"");
        req.secure = secure;
        req.host = Some("monitor.example:4500".to_owned());
        hub.handle_input(
            now,
            Input::Request {
                req: ReqId(3),
                request: req,
            },
        );
        let outputs = drain(&mut hub, now);
        let [Output::Respond { response, .. }] = outputs.as_slice() else {
            panic!("{outputs:?}");
        };
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        let url = body["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{scheme}monitor.example:4500/connect?id=")),
            "{url}"
        );
    }
}

mod history_quota;
mod logins;
mod revocation;
mod sessions;
