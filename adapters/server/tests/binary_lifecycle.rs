//! The `psmonitor` binary as a user runs it: first run, restarts, a killed first run, credential
//! resets, bad settings and a graceful SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::binary::{
    credentials_reset, get_system, login, psmonitor, serve, sigterm, wait_with_timeout,
};
use common::{agent, close_of, host, next_text};

#[test]
fn first_run_without_a_keyring_prints_the_login_once_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), None);
    let text = served.stdout.join("\n");
    assert!(text.contains("username: PSMonitor"), "{text}");
    let password = served
        .stdout
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("password line")
        .to_owned();
    assert_eq!(password.len(), 43, "{password}");
    let (status, json) = login(&served.addr, &password);
    assert_eq!(status, 200, "{json}");
    drop(served);
    let again = serve(dir.path(), None);
    assert!(
        !again.stdout.join("\n").contains("password:"),
        "the password was shown twice"
    );
    assert_eq!(login(&again.addr, &password).0, 200);
}

#[test]
fn a_token_issued_before_a_restart_works_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = serve(dir.path(), Some("restart-password"));
    let (status, json) = login(&first.addr, "restart-password");
    assert_eq!(status, 200);
    let token = json["token"].as_str().unwrap().to_owned();
    sigterm(&first.child);
    assert!(wait_with_timeout(&mut first.child, Duration::from_secs(5)).is_some());
    let second = serve(dir.path(), None);
    assert_eq!(get_system(&second.addr, &token), 200);
}

#[test]
fn a_killed_first_run_leaves_a_usable_database() {
    let dir = tempfile::tempdir().unwrap();
    for delay_ms in [0, 1, 3, 8, 15, 30, 60, 120] {
        let mut child = psmonitor(dir.path())
            .args(["serve", "--port", "0", "--fixture"])
            .arg(host("vm-no-sensors"))
            .env("PSMONITOR_PASSWORD", "survivor")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let served = serve(dir.path(), Some("survivor"));
    assert_eq!(login(&served.addr, "survivor").0, 200);
}

#[test]
fn sigterm_closes_websockets_with_1001_and_exits_zero_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = serve(dir.path(), Some("sigterm-password"));
    let (_, json) = login(&served.addr, "sigterm-password");
    let token = json["token"].as_str().unwrap();
    let user = json["user_id"].as_str().unwrap();
    let mut res = agent()
        .post(format!("http://{}/worker", served.addr))
        .header("Authorization", format!("Bearer {token}"))
        .send_empty()
        .unwrap();
    let worker: serde_json::Value = res.body_mut().read_json().unwrap();
    let url = format!(
        "ws://{}/connect?id={}&subscriber={user}",
        served.addr,
        worker["id"].as_str().unwrap()
    );
    let (mut ws, _) = tungstenite::connect(url).unwrap();
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    sigterm(&served.child);
    let started = Instant::now();
    let (code, _) = close_of(&mut ws);
    assert_eq!(code, 1001);
    let status =
        wait_with_timeout(&mut served.child, Duration::from_secs(2)).expect("still running");
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn credentials_reset_prints_only_the_new_password() {
    let dir = tempfile::tempdir().unwrap();
    drop(serve(dir.path(), Some("old-password")));
    let new_password = credentials_reset(dir.path());
    let served = serve(dir.path(), None);
    assert_eq!(login(&served.addr, "old-password").0, 401);
    assert_eq!(login(&served.addr, &new_password).0, 200);
}

#[test]
fn credentials_show_without_a_keyring_says_how_to_reset() {
    let dir = tempfile::tempdir().unwrap();
    let out = psmonitor(dir.path())
        .args(["credentials", "show"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("psmonitor credentials reset"), "{stderr}");
}

#[test]
fn bad_settings_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = psmonitor(dir.path())
        .args(["serve", "--interval", "100ms"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("minimum is 200ms"));
    let out = psmonitor(dir.path())
        .args(["serve", "--silence-limit", "1s"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("silence-limit 1s is too short"));
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "prot = 4600\n").unwrap();
    let out = psmonitor(dir.path())
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("prot"),
        "{stderr}"
    );
    let out = psmonitor(dir.path())
        .args(["serve", "--fixture", "/nonexistent.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.json"));
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = psmonitor(dir.path())
        .args(["serve", "--port", &port, "--fixture"])
        .arg(host("vm-no-sensors"))
        .env("PSMONITOR_PASSWORD", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen") && stderr.contains("--port"),
        "{stderr}"
    );
}

#[test]
fn a_bad_log_filter_is_a_clear_error_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["app=noisy", "warn,psmonitor_server=loud"] {
        let out = psmonitor(dir.path())
            .args(["serve", "--port", "0", "--log-level", bad, "--fixture"])
            .arg(host("vm-no-sensors"))
            .env("PSMONITOR_PASSWORD", "x")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("invalid --log-level") && stderr.contains(bad),
            "{bad}: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    }
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn trace_logs_never_show_tokens_worker_ids_or_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = psmonitor(dir.path())
        .args([
            "serve",
            "--port",
            "0",
            "--interval",
            "200ms",
            "--log-level",
            "trace",
            "--fixture",
        ])
        .arg(host("vm-no-sensors"))
        .env("PSMONITOR_PASSWORD", "log-secret-password")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(addr) = line.strip_prefix("listening on http://") {
            break addr.to_owned();
        }
    };
    let (_, json) = login(&addr, "log-secret-password");
    let token = json["token"].as_str().unwrap().to_owned();
    let user = json["user_id"].as_str().unwrap().to_owned();
    let mut res = agent()
        .post(format!("http://{addr}/worker"))
        .header("Authorization", format!("Bearer {token}"))
        .send_empty()
        .unwrap();
    let worker: serde_json::Value = res.body_mut().read_json().unwrap();
    let id = worker["id"].as_str().unwrap().to_owned();
    let (mut ws, _) =
        tungstenite::connect(format!("ws://{addr}/connect?id={id}&subscriber={user}")).unwrap();
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    next_text(&mut ws);
    sigterm(&child);
    wait_with_timeout(&mut child, Duration::from_secs(5)).expect("server did not stop");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.len() > 200,
        "trace logging wrote almost nothing: {logged}"
    );
    for secret in [token.as_str(), id.as_str(), "log-secret-password"] {
        assert!(
            !logged.contains(secret),
            "a secret reached the log:\n{logged}"
        );
    }
}

#[test]
fn a_first_run_on_a_full_disk_leaves_no_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // `ulimit -f 0` makes every write fail as on a full disk (EFBIG, with SIGXFSZ ignored).
    let mut cmd = std::process::Command::new("sh");
    cmd.args([
        "-c",
        "trap '' XFSZ; ulimit -f 0; exec \"$0\" serve --port 0",
    ])
    .arg(common::binary::BIN);
    let out = common::binary::isolated(cmd, &data)
        .env("PSMONITOR_PASSWORD", "pw")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("database"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // The next start, with room to write, is a normal first run.
    let served = serve(&data, Some("pw"));
    assert_eq!(login(&served.addr, "pw").0, 200);
}
