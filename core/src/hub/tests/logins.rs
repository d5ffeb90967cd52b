//! The login queue under a flood: 503 for what was not checked, the owner first.

use std::net::{IpAddr, Ipv4Addr};

use super::*;

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
