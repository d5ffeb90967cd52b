//! Hub scenarios of continuous sampling, `/metrics`, `/history` and API tokens, on a fake clock.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::auth::api_token::{ApiToken, TokenScope, new_token};
use crate::auth::{AccountEntropy, Argon2Params, create_account, issue_token};
use crate::history::{HistoryData, HistoryQueryError};
use crate::model::CpuTimes;

mod tokens;

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const SEC: u64 = 1_000;

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

fn hub(t0: Instant, history: bool, metrics_public: bool) -> Hub {
    let entropy = AccountEntropy {
        user_id: [1; 16],
        password: [2; 32],
        salt: [3; 16],
        jwt_secret: [4; 32],
    };
    let made = create_account(&entropy, None, Argon2Params::testing()).unwrap();
    let config = HubConfig {
        history,
        metrics_public,
        ..HubConfig::default()
    };
    Hub::new(config, made.account, [9; 32], at(t0, 0))
}

fn reading(n: u64) -> Box<HostReading> {
    let mut r = HostReading {
        uptime_secs: 100 + n,
        load_average: [0.5, 0.25, 0.125],
        ..HostReading::default()
    };
    r.cpu.total = CpuTimes {
        user: n * 30,
        idle: n * 70,
        ..CpuTimes::default()
    };
    Box::new(r)
}

fn get(path: &str, query: Option<&str>, auth: Option<&str>, accept: Option<&str>) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.map(str::to_owned),
        authorization: auth.map(|a| format!("Bearer {a}")),
        host: None,
        accept: accept.map(str::to_owned),
        body: Vec::new(),
        peer: PEER,
        if_none_match: None,
        secure: false,
        content_type: None,
        origin: None,
    }
}

/// Runs the hub's clock to `until_ms`, answering every sample request at once with a new
/// reading; returns every other output, in order.
fn run_until(
    hub: &mut Hub,
    t0: Instant,
    now_ms: &mut u64,
    until_ms: u64,
    n: &mut u64,
) -> Vec<Output> {
    let mut seen = Vec::new();
    loop {
        match hub.poll_output() {
            Output::Sample(_) => {
                *n += 1;
                hub.handle_input(at(t0, *now_ms), Input::Sample(reading(*n)));
            }
            Output::Wait(Some(next)) => {
                let next_ms = next.duration_since(t0).as_millis() as u64;
                if next_ms > until_ms {
                    *now_ms = until_ms;
                    return seen;
                }
                *now_ms = next_ms.max(*now_ms);
                hub.handle_input(at(t0, *now_ms), Input::Timeout);
            }
            Output::Wait(None) => {
                *now_ms = until_ms;
                return seen;
            }
            other => seen.push(other),
        }
    }
}

fn respond_now(hub: &mut Hub, now: Now, req: u64, request: HttpRequest) -> Vec<Output> {
    hub.handle_input(
        now,
        Input::Request {
            req: ReqId(req),
            request,
        },
    );
    let mut out = Vec::new();
    loop {
        match hub.poll_output() {
            Output::Wait(_) => return out,
            other => out.push(other),
        }
    }
}

/// Sends `request` at `now` and runs the clock (answering samples) until it is answered, for
/// at most one interval: a request that shows processes waits that long after an idle spell.
fn answered(
    hub: &mut Hub,
    t0: Instant,
    now_ms: &mut u64,
    n: &mut u64,
    req: u64,
    request: HttpRequest,
) -> Vec<Output> {
    let mut out = Vec::new();
    hub.handle_input(
        at(t0, *now_ms),
        Input::Request {
            req: ReqId(req),
            request,
        },
    );
    let until = *now_ms + SEC;
    while !out.iter().any(|o| matches!(o, Output::Respond { .. })) && *now_ms <= until {
        let seen = run_until(hub, t0, now_ms, until, n);
        let last = seen.is_empty();
        out.extend(seen);
        if last {
            break;
        }
    }
    out
}

fn answer_of(outputs: &[Output]) -> &HttpResponse {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Respond { response, .. } => Some(response),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no response in {outputs:?}"))
}

#[test]
fn with_history_on_sampling_starts_with_the_hub_and_reads_no_processes_for_nobody() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    // Before any input: the first sample is due at once (the driver starts from this deadline).
    assert!(matches!(h.poll_output(), Output::Wait(Some(t)) if t == t0));
    h.handle_input(at(t0, 0), Input::Timeout);
    assert!(
        matches!(
            h.poll_output(),
            Output::Sample(SampleRequest {
                processes: false,
                node: false
            })
        ),
        "idle history needs host-level series only"
    );
    // History off: nothing is scheduled until someone asks.
    let mut off = hub(t0, false, false);
    assert!(matches!(off.poll_output(), Output::Wait(None)));
}

#[test]
fn idle_ticks_record_history_but_encode_no_body_until_one_is_asked_for() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    let (mut now, mut n) = (0, 0);
    let seen = run_until(&mut h, t0, &mut now, 5 * SEC, &mut n);
    let appended = seen
        .iter()
        .filter(|o| matches!(o, Output::HistoryAppend { .. }))
        .count();
    assert!(appended >= 4, "history gets every tick: {seen:?}");
    assert_eq!(
        h.sampler.latest().expect("a snapshot").encoded(),
        [false; 4],
        "nobody asked: nothing encoded"
    );
    // `/network` shows no processes: answered from the idle snapshot, encoding only its body.
    let jwt = issue_token(h.account(), at(t0, now).wall, Duration::from_secs(600)).unwrap();
    let out = respond_now(
        &mut h,
        at(t0, now),
        1,
        get("/network", None, Some(jwt.as_str()), None),
    );
    assert_eq!(answer_of(&out).status, 200);
    assert_eq!(
        h.sampler.latest().expect("a snapshot").encoded(),
        [false, true, false, false]
    );
}

#[test]
fn with_history_on_a_cold_request_waits_at_most_an_interval_for_processes() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    let jwt = issue_token(h.account(), at(t0, 0).wall, Duration::from_secs(600)).unwrap();
    let (mut now, mut n) = (0, 0);
    // Nobody streams or asks for 5 s: the sampler runs anyway, and history gets every tick.
    let seen = run_until(&mut h, t0, &mut now, 5 * SEC + 500, &mut n);
    let appended = seen
        .iter()
        .filter(|o| matches!(o, Output::HistoryAppend { .. }))
        .count();
    assert_eq!(n, 6, "a sample every interval");
    assert_eq!(appended, 5, "every sample but the baseline goes to history");
    // `/network` shows no processes: answered at once from the latest tick.
    let out = respond_now(
        &mut h,
        at(t0, now),
        1,
        get("/network", None, Some(jwt.as_str()), None),
    );
    assert_eq!(answer_of(&out).status, 200);
    // `/system` shows processes, which nobody read: a sample with them is asked for at once...
    let out = respond_now(
        &mut h,
        at(t0, now),
        2,
        get("/system", None, Some(jwt.as_str()), None),
    );
    assert!(
        matches!(
            out.as_slice(),
            [Output::Sample(SampleRequest {
                processes: true,
                node: false
            })]
        ),
        "{out:?}"
    );
    // ... and it is answered within one interval (per-process CPU needs two readings).
    n += 1;
    h.handle_input(at(t0, now), Input::Sample(reading(n)));
    let asked = now;
    let seen = run_until(&mut h, t0, &mut now, asked + SEC, &mut n);
    assert_eq!(answer_of(&seen).status, 200);
    assert!(now <= asked + SEC);
    // While processes linger, the next request is answered at once.
    let out = respond_now(
        &mut h,
        at(t0, now + 100),
        3,
        get("/system", None, Some(jwt.as_str()), None),
    );
    assert!(
        matches!(out.first(), Some(Output::Respond { response, .. }) if response.status == 200),
        "{out:?}"
    );
    // Without history, the same request waits for two fresh readings.
    let mut cold = hub(t0, false, false);
    let (mut now, mut n) = (0, 0);
    assert!(run_until(&mut cold, t0, &mut now, 5 * SEC, &mut n).is_empty());
    assert_eq!(n, 0, "no sampling while idle");
    let out = respond_now(
        &mut cold,
        at(t0, now),
        1,
        get("/system", None, Some(jwt.as_str()), None),
    );
    assert!(matches!(out.first(), Some(Output::Sample(_))), "{out:?}");
}

#[test]
fn history_routes_validate_then_ask_the_store() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    let jwt = issue_token(h.account(), at(t0, 0).wall, Duration::from_secs(600)).unwrap();
    let jwt = jwt.as_str();
    let now = at(t0, 0);
    let bad = [
        (
            "series=nope",
            "unknown series \"nope\" (see GET /history/series)",
        ),
        (
            "series=cpu.usage&since=20&until=10",
            "since must not be after until",
        ),
        ("series=cpu.usage&step=0", "step must be at least 1 second"),
        (
            "series=cpu.usage&step=x",
            "step must be a whole, non-negative number of seconds",
        ),
        (
            "series=cpu.usage&since=-1",
            "since must be a whole, non-negative number of seconds",
        ),
        (
            "series=cpu.usage&since=0&until=99999999999",
            "range too long: at most 400 days",
        ),
    ];
    for (query, message) in bad {
        let out = respond_now(
            &mut h,
            now,
            1,
            get("/history", Some(query), Some(jwt), None),
        );
        let r = answer_of(&out);
        assert_eq!(r.status, 400, "{query}");
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["error"], message, "{query}");
    }
    let out = respond_now(
        &mut h,
        now,
        2,
        get("/history", Some("series=cpu.usage"), Some(jwt), None),
    );
    let [
        Output::History {
            req,
            request: HistoryRequest::Range(q),
        },
    ] = out.as_slice()
    else {
        panic!("{out:?}");
    };
    assert_eq!((q.since, q.until), (1_700_000_000 - 3_600, 1_700_000_000));
    let data = HistoryData {
        step: 1,
        times: vec![5],
        series: [("cpu.usage".to_owned(), vec![None])].into(),
    };
    h.handle_input(
        now,
        Input::HistoryAnswered {
            req: *req,
            answer: HistoryAnswer::Range(data),
        },
    );
    let Output::Respond { response, .. } = h.poll_output() else {
        panic!()
    };
    assert_eq!(
        &*response.body,
        r#"{"step":1,"times":[5],"series":{"cpu.usage":[null]}}"#
    );
    let unknown = HistoryAnswer::Invalid(HistoryQueryError::UnknownSeries("cpu.temp".into()));
    h.handle_input(
        now,
        Input::HistoryAnswered {
            req: ReqId(3),
            answer: unknown,
        },
    );
    let Output::Respond { response, .. } = h.poll_output() else {
        panic!()
    };
    assert_eq!(response.status, 400);
    h.handle_input(
        now,
        Input::HistoryAnswered {
            req: ReqId(4),
            answer: HistoryAnswer::Series(vec!["load.1".into()]),
        },
    );
    let Output::Respond { response, .. } = h.poll_output() else {
        panic!()
    };
    assert_eq!(&*response.body, r#"{"series":["load.1"]}"#);
    // History off: 404, and nothing asked of a store.
    let mut off = hub(t0, false, false);
    let out = respond_now(
        &mut off,
        now,
        1,
        get("/history/series", None, Some(jwt), None),
    );
    assert_eq!(answer_of(&out).status, 404);
}

#[test]
fn with_history_off_metrics_wait_for_a_fresh_sample_and_nothing_goes_to_history() {
    let t0 = base();
    let mut h = hub(t0, false, true);
    let out = respond_now(&mut h, at(t0, 0), 1, get("/metrics", None, None, None));
    assert!(matches!(out.as_slice(), [Output::Sample(_)]), "{out:?}");
    h.handle_input(at(t0, 0), Input::Sample(reading(1)));
    let (mut now, mut n) = (0, 1);
    let seen = run_until(&mut h, t0, &mut now, 2 * SEC, &mut n);
    let [Output::Respond { req, response }] = seen.as_slice() else {
        panic!("{seen:?}");
    };
    assert_eq!((req.0, response.status), (1, 200));
    assert!(response.body.contains("\nnode_boot_time_seconds "));
    assert!(
        !seen
            .iter()
            .any(|o| matches!(o, Output::HistoryAppend { .. }))
    );
}
