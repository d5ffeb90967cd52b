//! `psmonitor get` and `psmonitor watch` against an in-process server: output and exit codes.

mod common;

use std::process::{Command, Output, Stdio};

use common::{PASSWORD, TestServer, golden};
use psmonitor_core::wire::StreamFrame;
use serde_json::Value;

/// The built binary with a clean client environment and the given password.
fn psmonitor(server: &str, password: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psmonitor"));
    cmd.args(args)
        .args(["--server", server])
        .env_remove("PSMONITOR_SERVER")
        .env_remove("PSMONITOR_PASSWORD")
        // No session bus: the keyring can never answer with a developer's real password.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/psmonitor-test-bus",
        )
        .stdin(Stdio::null());
    if let Some(password) = password {
        cmd.env("PSMONITOR_PASSWORD", password);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[test]
fn get_system_json_is_the_golden_body() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let server = TestServer::start_with("vm-no-sensors", |c| c.history = false);
    let out = psmonitor(
        &server.url(""),
        Some(PASSWORD),
        &["get", "system", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let body: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let want: Value = serde_json::from_str(&golden("vm-no-sensors", "system.json")).unwrap();
    assert_eq!(body, want);
}

#[test]
fn get_network_json_is_the_golden_body() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let server = TestServer::start_with("vm-no-sensors", |c| c.history = false);
    let out = psmonitor(
        &server.url(""),
        Some(PASSWORD),
        &["get", "network", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let body: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let want: Value = serde_json::from_str(&golden("vm-no-sensors", "network.json")).unwrap();
    assert_eq!(body, want);
}

#[test]
fn get_system_reads_as_aligned_lines() {
    let server = TestServer::start("vm-no-sensors");
    let out = psmonitor(&server.url(""), Some(PASSWORD), &["get", "system"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Memory     0.76 / 1.86 GB (43.2 %)"),
        "{text}"
    );
    assert!(text.contains("temp n/a"), "{text}");
    assert!(text.contains("php-fpm8.2"), "{text}");
}

#[test]
fn watch_json_count_prints_that_many_frames() {
    let server = TestServer::start("vm-no-sensors");
    let out = psmonitor(
        &server.url(""),
        Some(PASSWORD),
        &["watch", "--json", "--count", "3"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for line in lines {
        serde_json::from_str::<StreamFrame>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn the_password_can_come_from_stdin() {
    let server = TestServer::start("vm-no-sensors");
    let mut child = Command::new(env!("CARGO_BIN_EXE_psmonitor"))
        .args([
            "get",
            "system",
            "--json",
            "--password-stdin",
            "--server",
            &server.url(""),
        ])
        .env_remove("PSMONITOR_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_wrong_password_exits_2_naming_the_credentials() {
    let server = TestServer::start("vm-no-sensors");
    for args in [
        &["get", "system"][..],
        &["watch", "--json", "--count", "1"][..],
    ] {
        let out = psmonitor(&server.url(""), Some("wrong"), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("\"PSMonitor\""), "{err}");
        assert!(err.contains("PSMONITOR_PASSWORD"), "{err}");
        assert!(err.contains("psmonitor credentials reset"), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn no_password_anywhere_exits_2_and_says_how_to_give_one() {
    let server = TestServer::start("vm-no-sensors");
    let out = psmonitor(&server.url(""), None, &["get", "system"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("PSMONITOR_PASSWORD") && err.contains("--password-stdin"),
        "{err}"
    );
}

#[test]
fn a_closed_port_exits_3_naming_the_url() {
    let url = closed_port_url();
    for args in [&["get", "network"][..], &["watch", "--count", "1"][..]] {
        let out = psmonitor(&url, Some(PASSWORD), args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&url) && err.contains("psmonitor serve"),
            "{err}"
        );
    }
}

#[test]
fn an_unreachable_server_is_named_once_and_the_reason_kept_whole() {
    // A path prefix with ": " in it: the reason must not be cut where the url has a colon.
    let url = format!("{}/a: b", closed_port_url());
    let out = psmonitor(&url, Some(PASSWORD), &["get", "network"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out).to_lowercase();
    let named = format!("at {} (connection refused", url.to_lowercase());
    assert!(err.contains(&named), "{err}");
}

#[test]
fn watch_exits_0_on_ctrl_c() {
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    let server = TestServer::start("vm-no-sensors");
    let mut child = Command::new(env!("CARGO_BIN_EXE_psmonitor"))
        .args(["watch", "--json", "--server", &server.url("")])
        .env("PSMONITOR_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Streaming: the first frame has arrived, so the signal handler is in place.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    serde_json::from_str::<StreamFrame>(&first).unwrap();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("watch did not exit within 5 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// A scripted server: the first login is answered 503 (too many logins waiting), the next one
/// 200, and `/system` with the golden body; counts the logins it saw.
fn busy_then_ok_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let logins = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = logins.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header == "\r\n" {
                        break;
                    }
                    if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let (status, extra, body) = if line.starts_with("POST /authenticate") {
                    if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                        let busy =
                            r#"{"error":"server busy verifying other logins: try again shortly"}"#;
                        (
                            "503 Service Unavailable",
                            "Retry-After: 1\r\n",
                            busy.to_owned(),
                        )
                    } else {
                        (
                            "200 OK",
                            "",
                            r#"{"token":"a.b.c","user_id":"u"}"#.to_owned(),
                        )
                    }
                } else {
                    ("200 OK", "", golden("vm-no-sensors", "system.json"))
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if writer.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (url, logins)
}

#[test]
fn get_says_a_busy_server_is_busy_and_retries_instead_of_blaming_the_password() {
    let (url, logins) = busy_then_ok_server();
    let out = psmonitor(&url, Some(PASSWORD), &["get", "system", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("busy checking other logins; retrying"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("refused"), "{}", stderr(&out));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        serde_json::from_str::<Value>(&golden("vm-no-sensors", "system.json")).unwrap()
    );
    assert_eq!(logins.load(std::sync::atomic::Ordering::SeqCst), 2);
}
