//! Every bad HTTP input named in the server issue gets a clear JSON error, and nothing is lost:
//! the right login still works afterwards.

mod common;

use common::{PASSWORD, TestServer};

const HOST: &str = "vm-no-sensors";

#[test]
fn wrong_password_is_401_and_the_right_one_still_works() {
    let server = TestServer::start(HOST);
    let reply = server.login_with("not the password");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert!(reply.error().contains("invalid"), "{}", reply.body);
    assert_eq!(server.login_with(PASSWORD).status, 200);
}

#[test]
fn unknown_user_is_401() {
    let server = TestServer::start(HOST);
    let body = br#"{"username":"root","password":"correct horse battery staple"}"#;
    assert_eq!(server.post_raw("/authenticate", None, body).status, 401);
}

#[test]
fn malformed_json_wrong_types_and_arrays_are_400() {
    let server = TestServer::start(HOST);
    let bodies: [&[u8]; 6] = [
        b"{not json",
        b"",
        br#"{"username": 5, "password": "x"}"#,
        br#"[{"username":"PSMonitor","password":"x"}]"#,
        br#"{"username":"PSMonitor"}"#,
        b"\xff\xfe\x00garbage",
    ];
    for body in bodies {
        let reply = server.post_raw("/authenticate", None, body);
        assert_eq!(
            reply.status,
            400,
            "body {:?} gave {}",
            String::from_utf8_lossy(body),
            reply.body
        );
        assert!(!reply.error().is_empty(), "{}", reply.body);
    }
    assert_eq!(server.login_with(PASSWORD).status, 200);
}

#[test]
fn a_body_over_the_limit_is_413() {
    // A client that sends its whole body before reading gets the 413 (the server drains a
    // little after answering); a far larger one gets it after the head, see front_door_http.rs.
    let server = TestServer::start(HOST);
    let body = vec![b'a'; 20 * 1024];
    let reply = server.post_raw("/authenticate", None, &body);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(!reply.error().is_empty());
    assert_eq!(server.login_with(PASSWORD).status, 200);
}

#[test]
fn missing_and_garbage_tokens_are_401_on_every_protected_route() {
    let server = TestServer::start(HOST);
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer garbage"),
        Some("Basic dXNlcjpwYXNz"),
        Some(""),
    ] {
        for path in ["/system", "/network"] {
            let reply = server.get(path, auth);
            assert_eq!(reply.status, 401, "{path} with {auth:?}: {}", reply.body);
        }
        assert_eq!(server.post_raw("/worker", auth, b"").status, 401);
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn alg_none_and_foreign_signature_tokens_are_401() {
    let server = TestServer::start(HOST);
    let good = server.bearer();
    let token = good.trim_start_matches("Bearer ");
    let mut parts = token.split('.');
    let (_header, claims, _sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let none = format!("{}.{claims}.", b64url(br#"{"alg":"none","typ":"JWT"}"#));
    let foreign = format!(
        "{}.{claims}.{}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(&[1; 32])
    );
    for bad in [none, foreign] {
        let reply = server.get("/system", Some(&format!("Bearer {bad}")));
        assert_eq!(reply.status, 401, "{}", reply.body);
    }
    assert_eq!(server.get("/system", Some(&good)).status, 200);
}

/// A token signed with the server's own key that expired a minute ago: no waiting for one to
/// expire (the expiry instant itself is checked with a fake clock in
/// `fixtures/transcripts/token-expired-at-60s.txt`).
#[test]
fn an_expired_token_is_401() {
    let server = TestServer::start(HOST);
    let issued = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    let token = psmonitor_core::auth::issue_token(
        &server.account,
        issued,
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let reply = server.get("/system", Some(&format!("Bearer {}", token.as_str())));
    assert_eq!(reply.status, 401);
    assert!(reply.error().contains("expired"), "{}", reply.body);
}

#[test]
fn thirty_wrong_passwords_give_429_with_retry_after() {
    let server = TestServer::start(HOST);
    let statuses: Vec<u16> = (0..30).map(|_| server.login_with("wrong").status).collect();
    assert!(statuses[..5].iter().all(|s| *s == 401), "{statuses:?}");
    let last = server.login_with("wrong");
    assert_eq!(last.status, 429, "{statuses:?}");
    let retry: u64 = last
        .retry_after
        .expect("Retry-After header")
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    // Even the right password waits out the back-off: the limiter is per address, not per guess.
    assert_eq!(server.login_with(PASSWORD).status, 429);
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    let server = TestServer::start(HOST);
    let reply = server.get("/nope", None);
    assert_eq!(reply.status, 404);
    assert!(!reply.error().is_empty());
    assert_eq!(server.get("/authenticate", None).status, 405);
    assert_eq!(server.post_raw("/system", None, b"").status, 405);
}

#[test]
fn plain_http_to_connect_says_to_use_a_websocket() {
    let server = TestServer::start(HOST);
    let reply = server.get("/connect?id=x&subscriber=y", None);
    assert_eq!(reply.status, 426);
    assert!(reply.error().contains("websocket"), "{}", reply.body);
}
