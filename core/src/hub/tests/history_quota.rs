//! `/history` queries in progress are bounded per client through the hub: a third query while
//! two wait is 429 with `Retry-After`, other clients are unaffected, and an answer frees a place.

use std::net::IpAddr;

use super::*;
use crate::auth::issue_token;

fn history_get(req: u64, peer: IpAddr, bearer: &str) -> Input {
    let mut request = request("GET", "/history", Some(bearer.to_owned()), b"");
    request.query = Some("series=cpu.usage".to_owned());
    request.peer = peer;
    Input::Request {
        req: ReqId(req),
        request,
    }
}

/// What the hub said to `req` at once: `Some(status)`, or `None` when it asked the store.
fn outcome(hub: &mut Hub, req: u64) -> Option<u16> {
    let mut status = None;
    let mut asked = false;
    loop {
        match hub.poll_output() {
            Output::Wait(_) => break,
            Output::Respond { req: r, response } if r.0 == req => status = Some(response.status),
            Output::History { req: r, .. } if r.0 == req => asked = true,
            _ => {}
        }
    }
    assert!(
        asked != status.is_some(),
        "{req}: asked {asked}, answered {status:?}"
    );
    status
}

#[test]
fn a_client_may_have_two_history_queries_in_progress() {
    let t0 = base();
    let now = at(t0, 0);
    let (acc, _) = account(11);
    let config = HubConfig {
        history: true,
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, acc, [1; 32], now);
    let bearer = format!(
        "Bearer {}",
        issue_token(hub.account(), now.wall, Duration::from_secs(600))
            .unwrap()
            .as_str()
    );
    let heavy = IpAddr::from([203, 0, 113, 9]);
    for req in 1..=2 {
        hub.handle_input(now, history_get(req, heavy, &bearer));
        assert_eq!(outcome(&mut hub, req), None);
    }
    hub.handle_input(now, history_get(3, heavy, &bearer));
    assert_eq!(outcome(&mut hub, 3), Some(429));
    // Someone else is not held up by it.
    hub.handle_input(now, history_get(4, PEER, &bearer));
    assert_eq!(outcome(&mut hub, 4), None);
    // An answer frees a place.
    hub.handle_input(
        now,
        Input::HistoryAnswered {
            req: ReqId(1),
            answer: HistoryAnswer::Unavailable,
        },
    );
    assert_eq!(outcome(&mut hub, 1), Some(503));
    hub.handle_input(now, history_get(5, heavy, &bearer));
    assert_eq!(outcome(&mut hub, 5), None);
    // A query not run because its client went away frees its place just the same.
    hub.handle_input(now, history_get(6, heavy, &bearer));
    assert_eq!(outcome(&mut hub, 6), Some(429));
    hub.handle_input(
        now,
        Input::HistoryAnswered {
            req: ReqId(2),
            answer: HistoryAnswer::Abandoned,
        },
    );
    assert_eq!(outcome(&mut hub, 2), Some(503));
    hub.handle_input(now, history_get(7, heavy, &bearer));
    assert_eq!(outcome(&mut hub, 7), None);
}
