//! Sessions: `POST /refresh` until the session lifetime, and a credentials reset applied to a
//! running hub.

use super::*;

fn post(hub: &mut Hub, now: Now, path: &str, auth: Option<&str>, body: &[u8]) -> HttpResponse {
    hub.handle_input(
        now,
        Input::Request {
            req: ReqId(7),
            request: request("POST", path, auth.map(str::to_owned), body),
        },
    );
    let outputs = drain(hub, now);
    let [Output::Respond { response, .. }] = outputs.as_slice() else {
        panic!("one response expected: {outputs:?}");
    };
    response.clone()
}

fn token_of(response: &HttpResponse) -> String {
    assert_eq!(response.status, 200, "{}", response.body);
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

#[test]
fn refresh_keeps_a_session_alive_until_its_lifetime() {
    let t0 = base();
    let (acc, password) = account(5);
    let config = HubConfig {
        token_ttl: Duration::from_secs(60),
        session_lifetime: Duration::from_secs(150),
        ..HubConfig::default()
    };
    let mut hub = Hub::new(config, acc.clone(), [1; 32], at(t0, 0));
    let mut bearer = login(&mut hub, at(t0, 0), &password);
    // Each refresh well before expiry gives a token the next request accepts.
    for minute in 1..=2u64 {
        let now = at(t0, minute * 50_000);
        bearer = token_of(&post(&mut hub, now, "/refresh", Some(&bearer), b""));
        let worker = post(&mut hub, now, "/worker", Some(&bearer), b"");
        assert_eq!(worker.status, 200, "{}", worker.body);
    }
    // A refresh just before the session's end gets a token cut at that end (150 s after the
    // login), and nothing refreshes past it.
    let last = token_of(&post(
        &mut hub,
        at(t0, 149_000),
        "/refresh",
        Some(&bearer),
        b"",
    ));
    assert_eq!(
        post(&mut hub, at(t0, 149_500), "/worker", Some(&last), b"").status,
        200
    );
    assert_eq!(
        post(&mut hub, at(t0, 150_000), "/worker", Some(&last), b"").status,
        401
    );
    assert_eq!(
        post(&mut hub, at(t0, 150_000), "/refresh", Some(&last), b"").status,
        401
    );
    // Refresh needs a valid token: none, garbage, or expired ones are 401.
    for auth in [None, Some("Bearer x.y.z")] {
        assert_eq!(post(&mut hub, at(t0, 1), "/refresh", auth, b"").status, 401);
    }
    let expired = post(&mut hub, at(t0, 400_000), "/refresh", Some(&last), b"");
    assert_eq!(expired.status, 401);
    assert!(expired.body.contains("token expired"), "{}", expired.body);
}

#[test]
fn a_reset_while_running_retires_the_old_password_tokens_and_streams() {
    let t0 = base();
    let (acc, old_password) = account(6);
    let mut hub = Hub::new(HubConfig::default(), acc.clone(), [1; 32], at(t0, 0));
    let bearer = login(&mut hub, at(t0, 0), &old_password);
    let id = create_worker(&mut hub, at(t0, 1), &bearer);
    let query = format!("id={id}&subscriber={}", acc.user_id);
    hub.handle_input(
        at(t0, 2),
        Input::Connected {
            conn: ConnId(1),
            query: Some(query),
            peer: PEER,
        },
    );
    drain(&mut hub, at(t0, 2));
    assert_eq!(hub.connections(), 1);
    // What `credentials reset` writes: a new hash and a new signing key.
    let (mut reset, new_password) = account(7);
    reset.user_id = acc.user_id.clone();
    hub.handle_input(at(t0, 10), Input::AccountChanged(Box::new(reset)));
    let closed = drain(&mut hub, at(t0, 10));
    assert!(
        matches!(
            closed.as_slice(),
            [Output::Close {
                conn: ConnId(1),
                code: 1008,
                ..
            }]
        ),
        "{closed:?}"
    );
    assert_eq!(hub.connections(), 0);
    let body = |pw: &str| serde_json::json!({"username": "PSMonitor", "password": pw}).to_string();
    let old = post(
        &mut hub,
        at(t0, 20),
        "/authenticate",
        None,
        body(&old_password).as_bytes(),
    );
    assert_eq!(old.status, 401);
    assert_eq!(
        post(&mut hub, at(t0, 21), "/worker", Some(&bearer), b"").status,
        401
    );
    assert_eq!(
        post(&mut hub, at(t0, 22), "/refresh", Some(&bearer), b"").status,
        401
    );
    let new = post(
        &mut hub,
        at(t0, 23),
        "/authenticate",
        None,
        body(&new_password).as_bytes(),
    );
    let fresh = token_of(&new);
    assert_eq!(
        post(&mut hub, at(t0, 24), "/worker", Some(&fresh), b"").status,
        200
    );
}
