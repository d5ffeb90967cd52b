//! Which streams end when credentials change (issue 20 item 4): a revoked API token's streams
//! close with 1008 at the next `TokensChanged`; a credentials reset ends password sessions'
//! streams and leaves API-token streams open.

use super::*;
use crate::auth::api_token::{ApiToken, TokenScope, new_token};

/// `POST /worker` with `bearer`; the worker's id (a token's first use is recorded too).
fn worker(hub: &mut Hub, now: Now, bearer: &str) -> String {
    let request = request("POST", "/worker", Some(bearer.to_owned()), b"");
    hub.handle_input(
        now,
        Input::Request {
            req: ReqId(1),
            request,
        },
    );
    let outputs = drain(hub, now);
    let response = outputs
        .iter()
        .find_map(|o| match o {
            Output::Respond { response, .. } => Some(response),
            _ => None,
        })
        .expect("a response");
    assert_eq!(response.status, 200, "{}", response.body);
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Opens a stream as `conn` with a worker made with `bearer`; drains the greeting.
fn stream(hub: &mut Hub, now: Now, conn: u64, bearer: &str) {
    let id = worker(hub, now, bearer);
    let user = hub.account().user_id.clone();
    hub.handle_input(
        now,
        Input::Connected {
            conn: ConnId(conn),
            query: Some(format!("id={id}&subscriber={user}")),
            peer: PEER,
        },
    );
    let out = drain(hub, now);
    assert!(
        out.iter().any(
            |o| matches!(o, Output::Send { conn: c, frame } if *c == ConnId(conn) && &**frame == GREETING)
        ),
        "{out:?}"
    );
    assert!(closed(&out).is_empty(), "{out:?}");
}

/// The connections closed in `outputs`, with code and reason.
fn closed(outputs: &[Output]) -> Vec<(u64, u16, &'static str)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Close { conn, code, reason } => Some((conn.0, *code, *reason)),
            _ => None,
        })
        .collect()
}

fn token(name: &str, seed: u8) -> (ApiToken, String) {
    let made = new_token(&[seed; 32]);
    let token = ApiToken {
        name: name.to_owned(),
        scope: TokenScope::Read,
        hash: made.hash,
    };
    (token, format!("Bearer {}", made.secret.as_str()))
}

#[test]
fn revoking_a_token_ends_its_streams_and_a_reset_ends_only_password_sessions() {
    let t0 = base();
    let (acc, password) = account(3);
    let mut hub = Hub::new(HubConfig::default(), acc.clone(), [9; 32], at(t0, 0));
    let (grafana, grafana_bearer) = token("grafana", 1);
    let (script, script_bearer) = token("script", 2);
    hub.handle_input(
        at(t0, 0),
        Input::TokensChanged(vec![grafana.clone(), script.clone()]),
    );
    let session = login(&mut hub, at(t0, 0), &password);
    stream(&mut hub, at(t0, 10), 1, &grafana_bearer);
    stream(&mut hub, at(t0, 10), 2, &script_bearer);
    stream(&mut hub, at(t0, 10), 3, &session);
    assert_eq!(hub.connections(), 3);

    // The same tokens again (a reload with no change) end nothing.
    hub.handle_input(
        at(t0, 500),
        Input::TokensChanged(vec![grafana.clone(), script.clone()]),
    );
    assert!(closed(&drain(&mut hub, at(t0, 500))).is_empty());

    // `token revoke grafana`: its stream ends at once, the others stream on.
    hub.handle_input(at(t0, 1_000), Input::TokensChanged(vec![script.clone()]));
    let out = drain(&mut hub, at(t0, 1_000));
    assert_eq!(closed(&out), [(1, 1008, TOKEN_REVOKED)]);
    assert_eq!(hub.connections(), 2);
    // Its late `Disconnected` is harmless.
    hub.handle_input(at(t0, 1_001), Input::Disconnected { conn: ConnId(1) });
    assert!(closed(&drain(&mut hub, at(t0, 1_001))).is_empty());

    // A worker made with a token that is revoked before the claim is refused.
    let id = worker(&mut hub, at(t0, 1_100), &script_bearer);
    hub.handle_input(at(t0, 1_200), Input::TokensChanged(vec![]));
    let out = drain(&mut hub, at(t0, 1_200));
    assert_eq!(closed(&out), [(2, 1008, TOKEN_REVOKED)]);
    hub.handle_input(
        at(t0, 1_300),
        Input::Connected {
            conn: ConnId(4),
            query: Some(format!("id={id}&subscriber={}", acc.user_id)),
            peer: PEER,
        },
    );
    assert_eq!(
        closed(&drain(&mut hub, at(t0, 1_300))),
        [(4, 1008, TOKEN_REVOKED)]
    );
    assert_eq!(hub.connections(), 1);

    // A reset (new signing key) ends the password session's stream; a token's stream stays.
    hub.handle_input(at(t0, 2_000), Input::TokensChanged(vec![script.clone()]));
    stream(&mut hub, at(t0, 2_000), 5, &script_bearer);
    let (mut reset, _) = account(7);
    reset.user_id = acc.user_id.clone();
    hub.handle_input(at(t0, 3_000), Input::AccountChanged(Box::new(reset)));
    let out = drain(&mut hub, at(t0, 3_000));
    assert_eq!(closed(&out), [(3, 1008, CREDENTIALS_CHANGED)]);
    assert_eq!(hub.connections(), 1);
    // The token stream still gets every frame (the first sample is the baseline of the second).
    hub.handle_input(at(t0, 4_000), Input::Sample(Box::default()));
    drain(&mut hub, at(t0, 4_000));
    hub.handle_input(at(t0, 5_000), Input::Sample(Box::default()));
    let out = drain(&mut hub, at(t0, 5_000));
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::Send {
                conn: ConnId(5),
                ..
            }
        )),
        "{out:?}"
    );
}
