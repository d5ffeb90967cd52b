//! API tokens end to end: `psmonitor token create|list|revoke` on the data directory of a
//! running server; scopes on each route; a revocation refused within 2 s; only hashes on disk.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_psmonitor");

fn token_cmd(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("PSMONITOR_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("token")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap()
}

fn create(dir: &Path, name: &str, scope: &str) -> String {
    let out = token_cmd(dir, &["create", name, "--scope", scope]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("psm_"), "{token}");
    assert_eq!(token.len(), 4 + 43);
    assert!(
        token[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    token
}

/// Polls `path` with `bearer` until it answers `status`; returns how long that took.
fn until_status(server: &TestServer, path: &str, bearer: &str, status: u16) -> Duration {
    let start = Instant::now();
    loop {
        if server.get(path, Some(bearer)).status == status {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{path} never gave {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tokens_open_routes_by_scope_and_revocation_applies_within_two_seconds() {
    let server = TestServer::start("vm-no-sensors");
    let dir = server.dir.path();
    let metrics = create(dir, "prometheus", "metrics");
    let read = create(dir, "script", "read");
    let metrics_bearer = format!("Bearer {metrics}");
    let read_bearer = format!("Bearer {read}");
    // Created while the server runs: picked up by its next reload (each token may come with a
    // reload of its own).
    until_status(&server, "/metrics", &metrics_bearer, 200);
    until_status(&server, "/metrics", &read_bearer, 200);
    let reply = server.get("/metrics", Some(&metrics_bearer));
    assert!(
        reply
            .content_type
            .as_deref()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert!(reply.body.contains("\nnode_load1 "), "{}", reply.body);
    for path in [
        "/system",
        "/network",
        "/history?series=cpu.usage",
        "/history/series",
    ] {
        let reply = server.get(path, Some(&metrics_bearer));
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(
            reply.json()["error"],
            "token scope does not allow this route"
        );
    }
    for path in ["/system", "/network", "/metrics", "/history/series"] {
        assert_eq!(server.get(path, Some(&read_bearer)).status, 200, "{path}");
    }
    let worker = server.post_raw("/worker", Some(&read_bearer), b"");
    assert_eq!(worker.status, 200, "{}", worker.body);
    assert_eq!(
        server.get("/metrics", Some("Bearer psm_unknown")).status,
        401
    );
    assert_eq!(server.get("/metrics", None).status, 401);

    let list = token_cmd(dir, &["list"]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains("prometheus") && listed.contains("metrics"),
        "{listed}"
    );
    assert!(
        listed.contains("script") && listed.contains("read"),
        "{listed}"
    );
    assert!(
        !listed.contains("psm_"),
        "the list never shows a token: {listed}"
    );

    let out = token_cmd(dir, &["revoke", "prometheus"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let took = until_status(&server, "/metrics", &metrics_bearer, 401);
    assert!(took <= Duration::from_secs(2), "revocation took {took:?}");
    assert_eq!(server.get("/metrics", Some(&read_bearer)).status, 200);
    let again = token_cmd(dir, &["revoke", "prometheus"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no token named"));

    // Only the hashes reached the database files.
    let mut bytes = Vec::new();
    for name in ["psmonitor.db", "psmonitor.db-wal"] {
        bytes.extend(std::fs::read(dir.join(name)).unwrap_or_default());
    }
    for token in [&metrics, &read] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
    }
    let hash = psmonitor_core::auth::api_token::hash_token(&read);
    assert!(bytes.windows(32).any(|w| w == hash), "the hash is stored");
}

#[test]
fn bad_token_commands_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = token_cmd(dir.path(), &["create", "has space"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid token name"));
    let out = token_cmd(dir.path(), &["create", "x", "--scope", "admin"]);
    assert!(!out.status.success());
    create(dir.path(), "twice", "read");
    let out = token_cmd(dir.path(), &["create", "twice"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}
