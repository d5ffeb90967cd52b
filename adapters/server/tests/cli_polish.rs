//! The real `psmonitor` binary's output as a user meets it: exit codes in `--help`, aligned
//! tables, a closed pipe ends quietly, an error's cause said once, advice for a refused password
//! in an order that destroys nothing, and server text with escape sequences never reaching the
//! terminal raw (issue 20 item 8).

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::binary::{BIN, psmonitor};
use common::{PASSWORD, TestServer};
use psmonitor_collector::FixtureSampler;
use psmonitor_core::auth::Argon2Params;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `psmonitor ARGS --server URL` with the password on stdin (`--password-stdin`).
fn client(url: &str, password: &str, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .args(["--server", url, "--password-stdin"])
        .env_remove("PSMONITOR_PASSWORD")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/psmonitor-test-bus",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn help_speaks_to_users_and_documents_the_exit_codes() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = text(&out.stdout);
    assert!(out.status.success(), "{help}");
    for code in [
        "0  success",
        "2  the password is missing or was refused",
        "3  the server cannot be reached",
        "4  the server's certificate",
    ] {
        assert!(help.contains(code), "{code:?} not in {help}");
    }
    for jargon in ["smol", "adapter", "driving the core", "HTTP/1"] {
        assert!(!help.contains(jargon), "{jargon:?} in {help}");
    }
}

#[test]
fn token_list_columns_line_up() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a-token-name-much-longer-than-the-old-24-column-width";
    for name in ["ci", long] {
        let out = psmonitor(dir.path())
            .args(["token", "create", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = psmonitor(dir.path())
        .args(["token", "list"])
        .output()
        .unwrap();
    let list = text(&out.stdout);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    for column in ["SCOPE", "CREATED", "LAST USED"] {
        let at = lines[0].find(column).unwrap();
        for row in &lines[1..] {
            let before = &row[..at];
            assert!(
                before.ends_with("  ") && !row[at..].starts_with(' '),
                "{column} misaligned in {list}"
            );
        }
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let out = psmonitor(dir.path())
            .args(["token", "create", &format!("t{i}")])
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let server = TestServer::start("vm-no-sensors");
    let url = server.url("");
    let commands: [&[&str]; 3] = [
        &["token", "list"],
        &["get", "system", "--server", &url],
        &["watch", "--count", "3", "--server", &url],
    ];
    for args in commands {
        // The reader is gone before the command writes a byte, as with `| head -0`.
        let mut child = psmonitor(dir.path())
            .args(args)
            .env("PSMONITOR_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(
            !err.contains("Broken pipe") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
    }
}

#[test]
fn an_error_says_its_cause_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = psmonitor(dir.path())
        .args(["serve", "--port", &port])
        .env("PSMONITOR_PASSWORD", "pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let cause = std::io::Error::from(std::io::ErrorKind::AddrInUse).to_string();
    let os_cause = "(os error 98)";
    assert!(err.contains("cannot listen on"), "{err}");
    assert_eq!(err.matches(os_cause).count(), 1, "{cause}: {err}");
}

#[test]
fn a_mistyped_password_is_checked_again_before_any_reset_is_offered() {
    let server = TestServer::start("vm-no-sensors");
    let out = client(
        &server.url(""),
        "correct horse battery stapel",
        &["get", "system"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let typo = err.find("typo").expect(&err);
    let show = err.find("credentials show").expect(&err);
    let reset = err.find("credentials reset").expect(&err);
    assert!(typo < show && show < reset, "{err}");
    assert!(err.contains("stdin (--password-stdin)"), "{err}");
    assert!(err.contains("must then be given the new one"), "{err}");
    // The right password, the same way, gets in: nothing was changed by the failure.
    let out = client(&server.url(""), PASSWORD, &["get", "system", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn no_password_and_no_keyring_lists_the_ways_in_and_a_reset_last() {
    let server = TestServer::start("vm-no-sensors");
    let out = Command::new(BIN)
        .args(["get", "system", "--server", &server.url("")])
        .env_remove("PSMONITOR_PASSWORD")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/psmonitor-test-bus",
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let order = [
        "--password-stdin",
        "PSMONITOR_PASSWORD",
        "keyring:",
        "credentials show",
        "credentials reset",
    ];
    let at: Vec<usize> = order.iter().map(|w| err.find(w).expect(w)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{err}");
    assert!(err.contains("keyring cannot be read"), "{err}");
    assert!(err.contains("needs a keyring on that machine too"), "{err}");
}

/// A recorded host whose first process is named with terminal escape sequences.
fn hostile_fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let recorded = std::fs::read_to_string(common::host("vm-no-sensors")).unwrap();
    let evil = r#""name": "php\u001b]0;pwned\u0007\u001b[31mred\u009b2J""#;
    let hostile = recorded.replace(r#""name": "php-fpm8.2""#, evil);
    assert_ne!(hostile, recorded);
    let path = dir.join("hostile.json");
    std::fs::write(&path, hostile).unwrap();
    path
}

#[test]
fn escape_sequences_in_process_names_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let sampler = FixtureSampler::from_file(hostile_fixture(dir.path())).unwrap();
    let server = TestServer::start_sampler(Box::new(sampler), Argon2Params::testing(), |_| {});
    let url = server.url("");
    for args in [
        &["get", "system"][..],
        &["get", "system", "--json"][..],
        &["watch", "--count", "2"][..],
    ] {
        let out = client(&url, PASSWORD, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        for bytes in [&out.stdout, &out.stderr] {
            assert!(
                !bytes.contains(&0x1b),
                "{args:?}: raw ESC in {}",
                text(bytes)
            );
            assert!(
                !bytes.contains(&0x07),
                "{args:?}: raw BEL in {}",
                text(bytes)
            );
            assert!(
                !text(bytes).contains('\u{9b}'),
                "{args:?}: raw CSI in {}",
                text(bytes)
            );
        }
    }
    let shown = text(&client(&url, PASSWORD, &["get", "system"]).stdout);
    assert!(shown.contains(r"php\x{1b}]0;pwned"), "{shown}");
}
