//! Issue 20 item 4 on the real binary: a revoked API token's open stream closes with 1008 within
//! 2 s; `credentials reset` ends password sessions and their streams but keeps API tokens, and
//! `credentials reset --revoke-tokens` revokes them too.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::binary::{Served, login, psmonitor, serve};
use common::{Ws, agent, close_of, next_text, set_timeout};

const PASSWORD: &str = "streams end when credentials go";

/// Runs `psmonitor ARGS` on the data dir; its stdout, trimmed.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = psmonitor(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn get_status(served: &Served, path: &str, bearer: &str) -> u16 {
    agent()
        .get(format!("http://{}{path}", served.addr))
        .header("Authorization", bearer)
        .call()
        .unwrap()
        .status()
        .as_u16()
}

/// Opens a stream with `bearer` (a JWT or an API token) and reads its greeting. A token made
/// while the server runs is accepted once the server has read it: `POST /worker` is retried
/// until then.
fn open_stream(served: &Served, bearer: &str) -> Ws {
    let start = Instant::now();
    let worker = loop {
        let mut res = agent()
            .post(format!("http://{}/worker", served.addr))
            .header("Authorization", bearer)
            .send_empty()
            .unwrap();
        if res.status() == 200 {
            break res.body_mut().read_json::<serde_json::Value>().unwrap();
        }
        assert_eq!(res.status(), 401);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "token never accepted"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut ws, _) = tungstenite::connect(worker["url"].as_str().unwrap()).unwrap();
    set_timeout(&ws, Duration::from_secs(10));
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    ws
}

/// Reads frames until the close; its code, reason, and how long after `since` it came.
fn closed_after(ws: &mut Ws, since: Instant) -> (u16, String, Duration) {
    let (code, reason) = close_of(ws);
    (code, reason, since.elapsed())
}

#[test]
fn a_revoked_tokens_stream_closes_with_1008_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some(PASSWORD));
    let token = run(dir.path(), &["token", "create", "grafana"]);
    let other = run(dir.path(), &["token", "create", "script"]);
    let mut revoked_stream = open_stream(&served, &format!("Bearer {token}"));
    let mut kept_stream = open_stream(&served, &format!("Bearer {other}"));
    next_text(&mut revoked_stream); // streaming

    let revoked = Instant::now();
    run(dir.path(), &["token", "revoke", "grafana"]);
    let (code, reason, took) = closed_after(&mut revoked_stream, revoked);
    assert_eq!((code, reason.as_str()), (1008, "Token revoked"));
    assert!(took <= Duration::from_secs(2), "closed after {took:?}");
    // The other token's stream goes on.
    for _ in 0..3 {
        assert!(next_text(&mut kept_stream).starts_with('{'));
    }
    assert_eq!(
        get_status(&served, "/system", &format!("Bearer {token}")),
        401
    );
}

#[test]
fn a_reset_ends_password_sessions_and_keeps_tokens_unless_revoke_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some(PASSWORD));
    let token = format!(
        "Bearer {}",
        run(dir.path(), &["token", "create", "grafana"])
    );
    let (status, body) = login(&served.addr, PASSWORD);
    assert_eq!(status, 200);
    let session = format!("Bearer {}", body["token"].as_str().unwrap());
    let mut session_stream = open_stream(&served, &session);
    let mut token_stream = open_stream(&served, &token);

    // A plain reset: the session and its stream end, the token and its stream stay.
    let reset = Instant::now();
    let password = run(dir.path(), &["credentials", "reset"]);
    let (code, reason, took) = closed_after(&mut session_stream, reset);
    assert_eq!(
        (code, reason.as_str()),
        (1008, "Credentials changed: log in again")
    );
    assert!(took <= Duration::from_secs(2), "closed after {took:?}");
    assert_eq!(get_status(&served, "/system", &session), 401);
    for _ in 0..3 {
        assert!(next_text(&mut token_stream).starts_with('{'));
    }
    assert_eq!(get_status(&served, "/system", &token), 200);
    assert_eq!(login(&served.addr, &password).0, 200);

    // `--revoke-tokens`: the token's stream ends too, and the token gets 401.
    let reset = Instant::now();
    let out = psmonitor(dir.path())
        .args(["credentials", "reset", "--revoke-tokens"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("revoked 1 api token"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, reason, took) = closed_after(&mut token_stream, reset);
    assert_eq!(code, 1008, "{reason}");
    assert!(took <= Duration::from_secs(2), "closed after {took:?}");
    assert_eq!(get_status(&served, "/system", &token), 401);
    assert!(
        run(dir.path(), &["token", "list"])
            .lines()
            .all(|l| !l.contains("grafana"))
    );
}
