//! A page from another origin cannot put the owner's address into back-off (issue 20 item 7):
//! logins must be `Content-Type: application/json` (which a browser sends cross-origin only
//! after a CORS preflight), the login's preflight is granted only to `--cors-origin`, and a login
//! carrying a foreign `Origin` is refused before the failed-login limiter counts it. The server's
//! own page (same origin) and clients that are not browsers keep working. Real binary.

mod common;

use std::net::SocketAddr;

use common::binary::{BIN, isolated, serve, serve_cmd};
use common::{PASSWORD, raw_exchange, statuses};

/// A login with the given extra header lines; status and the whole answer.
fn login(addr: SocketAddr, password: &str, headers: &str) -> (u16, String) {
    let body = serde_json::json!({"username": "PSMonitor", "password": password}).to_string();
    let req = format!(
        "POST /authenticate HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (text, _) = raw_exchange(addr, req.as_bytes());
    (statuses(&text).first().copied().unwrap_or(0), text)
}

fn preflight(addr: SocketAddr, origin: &str) -> String {
    let req = format!(
        "OPTIONS /authenticate HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
    );
    raw_exchange(addr, req.as_bytes()).0
}

fn allow_origin(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.strip_prefix("Access-Control-Allow-Origin: ")
            .map(|v| v.trim().to_owned())
    })
}

const JSON: &str = "Content-Type: application/json\r\n";

#[test]
fn foreign_pages_cannot_make_the_owner_wait_and_the_own_page_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some(PASSWORD));
    let addr: SocketAddr = served.addr.parse().unwrap();
    let evil = "Origin: http://evil.example\r\n";
    // What a foreign page can send without a preflight: text/plain (or a form), its Origin on.
    for _ in 0..10 {
        let (status, text) = login(
            addr,
            "guess",
            &format!("{evil}Content-Type: text/plain;charset=UTF-8\r\n"),
        );
        assert_eq!(status, 403, "{text}");
        assert!(text.contains("--cors-origin"), "{text}");
    }
    // The same without an Origin (an old browser, a form post): 415, never checked.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        for _ in 0..5 {
            let (status, text) = login(addr, "guess", &format!("Content-Type: {content_type}\r\n"));
            assert_eq!(status, 415, "{text}");
        }
    }
    // JSON needs a preflight, which is not granted; were it sent anyway, 403.
    let answer = preflight(addr, "http://evil.example");
    assert_eq!(statuses(&answer), [204], "{answer}");
    assert_eq!(allow_origin(&answer), None, "{answer}");
    for _ in 0..10 {
        assert_eq!(login(addr, "guess", &format!("{evil}{JSON}")).0, 403);
    }
    // Twenty-five refused attempts later, the owner on the same address is not in back-off.
    let (status, text) = login(addr, PASSWORD, JSON);
    assert_eq!(status, 200, "{text}");
    // The server's own page sends its own origin: it logs in.
    let own = format!("Origin: http://{addr}\r\n{JSON}");
    let (status, text) = login(addr, PASSWORD, &own);
    assert_eq!(status, 200, "{text}");
    // The failures a foreign page cannot cause, the owner's own guesses still do.
    for _ in 0..5 {
        assert_eq!(login(addr, "typo", JSON).0, 401);
    }
    assert_eq!(login(addr, PASSWORD, JSON).0, 429);
}

#[test]
fn cors_origin_opts_one_dashboard_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = isolated(std::process::Command::new(BIN), dir.path());
    cmd.env("PSMONITOR_CORS_ORIGIN", "https://dash.example:8443");
    let served = serve_cmd(cmd, Some(PASSWORD));
    let addr: SocketAddr = served.addr.parse().unwrap();
    let answer = preflight(addr, "https://dash.example:8443");
    assert_eq!(statuses(&answer), [204], "{answer}");
    assert_eq!(
        allow_origin(&answer).as_deref(),
        Some("https://dash.example:8443")
    );
    assert!(
        answer.contains("Access-Control-Allow-Headers: Content-Type"),
        "{answer}"
    );
    let granted = format!("Origin: https://dash.example:8443\r\n{JSON}");
    assert_eq!(login(addr, PASSWORD, &granted).0, 200);
    // Another origin still gets nothing.
    assert_eq!(
        allow_origin(&preflight(addr, "https://dash.example:9999")),
        None
    );
    let other = format!("Origin: https://dash.example:9999\r\n{JSON}");
    assert_eq!(login(addr, PASSWORD, &other).0, 403);
    // A malformed origin stops the server with a clear error.
    let out = isolated(std::process::Command::new(BIN), dir.path())
        .args(["serve", "--port", "0", "--cors-origin", "dash.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cors-origin") && stderr.contains("https://"),
        "{stderr}"
    );
}
