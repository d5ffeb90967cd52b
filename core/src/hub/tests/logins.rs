//! The login queue under a flood: 503 for what was not checked, the owner first.

use std::net::{IpAddr, Ipv4Addr};

use super::*;
use zeroize::Zeroizing;

/// Submits a login from `peer` without running any verification; returns the outputs.
fn submit_login(hub: &mut Hub, now: Now, req: u64, peer: IpAddr, password: &str) -> Vec<Output> {
    let body = serde_json::json!({"username": "PSMonitor", "password": password}).to_string();
    let mut request = request("POST", "/authenticate", None, body.as_bytes());
    request.peer = peer;
    hub.handle_input(
        now,
        Input::Request {
            req: ReqId(req),
            request,
        },
    );
    std::iter::from_fn(|| match hub.poll_output() {
        Output::Wait(_) => None,
        other => Some(other),
    })
    .collect()
}

fn status_of(outputs: &[Output], req: u64) -> Option<u16> {
    outputs.iter().find_map(|o| match o {
        Output::Respond { req: r, response } if r.0 == req => Some(response.status),
        _ => None,
    })
}

#[test]
fn a_login_flood_never_answers_401_for_unchecked_credentials_and_the_owner_gets_in() {
    let t0 = base();
    let now = at(t0, 0);
    let (acc, password) = account(3);
    let config = HubConfig {
        verify_slots: 1,
        max_waiting_logins: 4,
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, acc, [1; 32], now);
    let guesser = |n: u8| IpAddr::V4(Ipv4Addr::new(203, 0, 113, n));
    // Four guessing addresses with three failures each.
    for n in 1..=4 {
        for _ in 0..3 {
            let out = submit_login(&mut hub, now, 1, guesser(n), "guess");
            let Some(Output::VerifyPassword { job, .. }) = out.first() else {
                panic!("{out:?}");
            };
            hub.handle_input(
                now,
                Input::PasswordVerified {
                    job: *job,
                    ok: false,
                },
            );
            let rest = drain(&mut hub, now);
            assert_eq!(status_of(&rest, 1), Some(401));
        }
    }
    // One guess takes the only slot; four more fill the queue.
    let busy = submit_login(&mut hub, now, 10, guesser(1), "guess");
    let Some(Output::VerifyPassword { job: running, .. }) = busy.first() else {
        panic!("{busy:?}");
    };
    let running = *running;
    for (req, n) in (11..15).zip(1..=4) {
        assert!(submit_login(&mut hub, now, req, guesser(n), "guess").is_empty());
    }
    // A further guess from a failing address finds no room: 503, never 401.
    let out = submit_login(&mut hub, now, 20, guesser(2), "guess");
    assert_eq!(status_of(&out, 20), Some(503), "{out:?}");
    // The owner, from an address that has not failed, displaces the latest worst guess.
    let owner = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    let out = submit_login(&mut hub, now, 30, owner, &password);
    assert_eq!(status_of(&out, 14), Some(503), "{out:?}");
    // When the slot frees, the owner is verified next and gets in.
    hub.handle_input(
        now,
        Input::PasswordVerified {
            job: running,
            ok: false,
        },
    );
    let next: Vec<Output> = std::iter::from_fn(|| match hub.poll_output() {
        Output::Wait(_) => None,
        other => Some(other),
    })
    .collect();
    let Some(Output::VerifyPassword {
        job,
        password: given,
        ..
    }) = next
        .iter()
        .find(|o| matches!(o, Output::VerifyPassword { .. }))
    else {
        panic!("{next:?}");
    };
    assert_eq!(given.as_str(), password);
    hub.handle_input(
        now,
        Input::PasswordVerified {
            job: *job,
            ok: true,
        },
    );
    let done = drain(&mut hub, now);
    assert_eq!(status_of(&done, 30), Some(200), "{done:?}");
}

#[test]
fn a_verification_that_could_not_run_is_503() {
    let now = at(base(), 0);
    let (acc, password) = account(4);
    let mut hub = Hub::new(HubConfig::default(), acc, [1; 32], now);
    let out = submit_login(&mut hub, now, 1, PEER, &password);
    let Some(Output::VerifyPassword { job, .. }) = out.first() else {
        panic!("{out:?}");
    };
    hub.handle_input(now, Input::PasswordUnverified { job: *job });
    let out = drain(&mut hub, now);
    assert_eq!(status_of(&out, 1), Some(503));
}

fn retry_after(outputs: &[Output], req: u64) -> Option<String> {
    outputs.iter().find_map(|o| match o {
        Output::Respond { req: r, response } if r.0 == req => response
            .headers
            .iter()
            .find(|(name, _)| *name == "Retry-After")
            .map(|(_, value)| value.clone()),
        _ => None,
    })
}

/// Everything the hub has to say now, without answering any verification.
fn pending(hub: &mut Hub) -> Vec<Output> {
    std::iter::from_fn(|| match hub.poll_output() {
        Output::Wait(_) => None,
        other => Some(other),
    })
    .collect()
}

fn job_of(outputs: &[Output]) -> JobId {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::VerifyPassword { job, .. } => Some(*job),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no verification started: {outputs:?}"))
}

fn fresh(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0xcb00_7100 + n))
}

fn one_slot(queue: usize) -> HubConfig {
    HubConfig {
        verify_slots: 1,
        max_waiting_logins: queue,
        ..HubConfig::default()
    }
}

#[test]
fn every_login_is_answered_by_its_deadline_with_503_and_retry_after() {
    let t0 = base();
    let (acc, password) = account(5);
    let mut hub = Hub::new(one_slot(8), acc, [1; 32], at(t0, 0));
    // One login takes the slot and its verification hangs; four more wait, arriving later.
    let first = submit_login(&mut hub, at(t0, 0), 1, fresh(1), "guess");
    let running = job_of(&first);
    for n in 2..=5u32 {
        let out = submit_login(
            &mut hub,
            at(t0, u64::from(n) * 100),
            n.into(),
            fresh(n),
            "x",
        );
        assert!(out.is_empty(), "{out:?}");
    }
    let deadline = hub.config.login_deadline;
    assert_eq!(deadline, Duration::from_secs(3));
    assert_eq!(hub.poll_timeout(), Some(t0 + deadline));
    // Just before the deadline nobody is answered; at it, the first login (still verifying).
    hub.handle_input(at(t0, 2_999), Input::Timeout);
    assert!(pending(&mut hub).is_empty());
    hub.handle_input(at(t0, 3_000), Input::Timeout);
    let out = pending(&mut hub);
    assert_eq!(status_of(&out, 1), Some(503), "{out:?}");
    assert_eq!(retry_after(&out, 1).as_deref(), Some("1"));
    assert_eq!(out.len(), 1, "{out:?}");
    // Each waiting login at its own deadline, 503 with Retry-After, never 401.
    for n in 2..=5u64 {
        let due = t0 + deadline + Duration::from_millis(n * 100);
        assert_eq!(hub.poll_timeout(), Some(due));
        hub.handle_input(at(t0, 3_000 + n * 100), Input::Timeout);
        let out = pending(&mut hub);
        assert_eq!(status_of(&out, n), Some(503), "{out:?}");
        assert!(retry_after(&out, n).is_some());
    }
    // The hung verification comes back late: no second answer, but its failure counts.
    hub.handle_input(
        at(t0, 5_000),
        Input::PasswordVerified {
            job: running,
            ok: false,
        },
    );
    assert!(pending(&mut hub).is_empty());
    assert_eq!(hub.limiter.failures(fresh(1)), 1);
    for n in 2..=5 {
        assert_eq!(hub.limiter.failures(fresh(n)), 0, "503 counts neither way");
    }
    // The slot is free again: the owner is verified at once and gets in.
    let out = submit_login(&mut hub, at(t0, 5_000), 9, fresh(9), &password);
    let job = job_of(&out);
    hub.handle_input(at(t0, 5_050), Input::PasswordVerified { job, ok: true });
    assert_eq!(status_of(&pending(&mut hub), 9), Some(200));
}

#[test]
fn a_verification_that_never_comes_back_frees_its_slot() {
    let t0 = base();
    let (acc, _) = account(6);
    let mut hub = Hub::new(one_slot(8), acc, [1; 32], at(t0, 0));
    let lost = job_of(&submit_login(&mut hub, at(t0, 0), 1, fresh(1), "x"));
    hub.handle_input(at(t0, 3_000), Input::Timeout);
    assert_eq!(status_of(&pending(&mut hub), 1), Some(503));
    assert_eq!(hub.poll_timeout(), Some(t0 + login_flow::LOST_VERIFICATION));
    // The slot is still held: the next login waits (and is answered at its own deadline).
    assert!(submit_login(&mut hub, at(t0, 28_000), 2, fresh(2), "x").is_empty());
    hub.handle_input(at(t0, 30_000), Input::Timeout);
    let out = pending(&mut hub);
    // The lost slot is given up: the waiting login starts verifying, unanswered yet.
    let started = job_of(&out);
    assert_ne!(started, lost);
    assert_eq!(status_of(&out, 2), None, "{out:?}");
    // A result for the lost job, arriving after all, changes nothing.
    hub.handle_input(
        at(t0, 30_100),
        Input::PasswordVerified {
            job: lost,
            ok: true,
        },
    );
    assert!(pending(&mut hub).is_empty());
    hub.handle_input(
        at(t0, 30_200),
        Input::PasswordVerified {
            job: started,
            ok: false,
        },
    );
    assert_eq!(status_of(&pending(&mut hub), 2), Some(401));
}

#[test]
fn the_queue_takes_only_what_can_start_before_the_deadline() {
    let t0 = base();
    let (acc, _) = account(7);
    let mut hub = Hub::new(one_slot(256), acc, [1; 32], at(t0, 0));
    // One verification measured at 1 s: with one slot and 3 s, one runs and two may wait.
    let job = job_of(&submit_login(&mut hub, at(t0, 0), 1, fresh(1), "x"));
    hub.handle_input(at(t0, 1_000), Input::PasswordVerified { job, ok: false });
    assert_eq!(status_of(&pending(&mut hub), 1), Some(401));
    let now = at(t0, 1_000);
    job_of(&submit_login(&mut hub, now, 2, fresh(2), "x"));
    for n in 3..=4 {
        assert!(submit_login(&mut hub, now, n.into(), fresh(n), "x").is_empty());
    }
    // The third to wait is told at once, not at its deadline.
    let out = submit_login(&mut hub, now, 5, fresh(5), "x");
    assert_eq!(status_of(&out, 5), Some(503), "{out:?}");
    assert!(retry_after(&out, 5).is_some());
    assert_eq!(hub.login_queue.len(), 2);
}

/// Logs in from `peer` with the right password, verifying for real; the bearer header.
fn owner_login(hub: &mut Hub, now: Now, peer: IpAddr, password: &str) -> String {
    let out = submit_login(hub, now, 500, peer, password);
    let job = job_of(&out);
    hub.handle_input(now, Input::PasswordVerified { job, ok: true });
    let out = pending(hub);
    let Some(Output::Respond { response, .. }) = out.first() else {
        panic!("{out:?}");
    };
    assert_eq!(response.status, 200, "{}", response.body);
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

/// Fills the only slot and the queue (`queue` places) with guesses from fresh addresses; the job
/// holding the slot.
fn spread_flood(hub: &mut Hub, now: Now, queue: u32) -> JobId {
    let running = job_of(&submit_login(hub, now, 100, fresh(100), "guess"));
    for n in 101..=100 + queue {
        assert!(submit_login(hub, now, n.into(), fresh(n), "guess").is_empty());
    }
    // A further fresh address finds no room.
    let out = submit_login(hub, now, 999, fresh(999), "guess");
    assert_eq!(status_of(&out, 999), Some(503), "{out:?}");
    running
}

/// Frees the slot by failing `running`; the job that starts next.
fn next_verified(hub: &mut Hub, now: Now, running: JobId) -> (JobId, Zeroizing<String>) {
    hub.handle_input(
        now,
        Input::PasswordVerified {
            job: running,
            ok: false,
        },
    );
    pending(hub)
        .into_iter()
        .find_map(|o| match o {
            Output::VerifyPassword { job, password, .. } => Some((job, password)),
            _ => None,
        })
        .expect("a waiting login starts")
}

#[test]
fn an_address_that_logged_in_before_goes_ahead_of_a_spread_flood() {
    let t0 = base();
    let (acc, password) = account(8);
    let mut hub = Hub::new(one_slot(4), acc, [1; 32], at(t0, 0));
    let owner = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    owner_login(&mut hub, at(t0, 0), owner, &password);
    let running = spread_flood(&mut hub, at(t0, 10), 4);
    // The owner arrives last, displaces the latest fresh guess, and is verified next.
    let out = submit_login(&mut hub, at(t0, 20), 30, owner, &password);
    assert_eq!(status_of(&out, 104), Some(503), "{out:?}");
    let (job, given) = next_verified(&mut hub, at(t0, 100), running);
    assert_eq!(given.as_str(), password);
    hub.handle_input(at(t0, 150), Input::PasswordVerified { job, ok: true });
    assert_eq!(status_of(&pending(&mut hub), 30), Some(200));
}

#[test]
fn a_login_with_a_valid_session_goes_ahead_of_a_spread_flood() {
    let t0 = base();
    let (acc, password) = account(9);
    let mut hub = Hub::new(one_slot(4), acc, [1; 32], at(t0, 0));
    let bearer = owner_login(&mut hub, at(t0, 0), PEER, &password);
    let running = spread_flood(&mut hub, at(t0, 10), 4);
    // From an address never seen, but presenting the session's token.
    let elsewhere = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 77));
    let body = serde_json::json!({"username": "PSMonitor", "password": password}).to_string();
    let mut with_token = request("POST", "/authenticate", Some(bearer), body.as_bytes());
    with_token.peer = elsewhere;
    let mut forged = with_token.clone();
    forged.authorization = Some("Bearer not-a-token".to_owned());
    forged.peer = fresh(500);
    // A forged token earns nothing: no room.
    hub.handle_input(
        at(t0, 20),
        Input::Request {
            req: ReqId(40),
            request: forged,
        },
    );
    assert_eq!(status_of(&pending(&mut hub), 40), Some(503));
    hub.handle_input(
        at(t0, 20),
        Input::Request {
            req: ReqId(41),
            request: with_token,
        },
    );
    assert_eq!(status_of(&pending(&mut hub), 104), Some(503));
    let (job, given) = next_verified(&mut hub, at(t0, 100), running);
    assert_eq!(given.as_str(), password);
    hub.handle_input(at(t0, 150), Input::PasswordVerified { job, ok: true });
    assert_eq!(status_of(&pending(&mut hub), 41), Some(200));
}
