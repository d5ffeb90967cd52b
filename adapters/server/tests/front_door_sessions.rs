//! Sessions: `POST /refresh` over real sockets, and `psmonitor credentials reset` applied by a
//! running server within 2 s (new password works; the old one and every older token get 401).

mod common;

use std::time::{Duration, Instant};

use common::binary::{credentials_reset, login, serve};
use common::{TestServer, agent};

fn status_with(addr: &str, path: &str, token: &str) -> u16 {
    let req = agent().get(format!("http://{addr}{path}"));
    req.header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn refresh_returns_a_working_token_for_the_same_user() {
    let server = TestServer::start("vm-no-sensors");
    let bearer = server.bearer();
    let reply = server.post_raw("/refresh", Some(&bearer), b"");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["user_id"], server.account.user_id.as_str());
    let token = json["token"].as_str().unwrap();
    assert_eq!(status_with(&server.addr.to_string(), "/system", token), 200);
    assert_eq!(server.post_raw("/refresh", None, b"").status, 401);
    assert_eq!(
        server.post_raw("/refresh", Some("Bearer nope"), b"").status,
        401
    );
    assert_eq!(server.get("/refresh", Some(&bearer)).status, 405);
}

#[test]
fn a_reset_applies_to_the_running_server_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some("old-password"));
    let (status, json) = login(&served.addr, "old-password");
    assert_eq!(status, 200);
    let old_token = json["token"].as_str().unwrap().to_owned();
    let new_password = credentials_reset(dir.path());
    let reset_at = Instant::now();
    // The new password works within 2 s of the reset...
    loop {
        if login(&served.addr, &new_password).0 == 200 {
            break;
        }
        assert!(
            reset_at.elapsed() < Duration::from_secs(2),
            "the reset was not applied"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // ...and from then on the old password and the old token are refused.
    assert_eq!(login(&served.addr, "old-password").0, 401);
    assert_eq!(status_with(&served.addr, "/system", &old_token), 401);
}
