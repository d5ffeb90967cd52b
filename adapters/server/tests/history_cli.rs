//! `psmonitor history` against an in-process server: JSON when piped, the list of series, and a
//! clear error for an unknown series.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{PASSWORD, TestServer};
use serde_json::Value;

fn psmonitor(server: &TestServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psmonitor"))
        .arg("history")
        .args(args)
        .args(["--server", &server.url("")])
        .env_remove("PSMONITOR_SERVER")
        .env("PSMONITOR_PASSWORD", PASSWORD)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/psmonitor-test-bus",
        )
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn history_prints_json_when_piped_and_lists_series() {
    let server = TestServer::start("vm-no-sensors");
    let deadline = Instant::now() + Duration::from_secs(10);
    let body: Value = loop {
        let out = psmonitor(&server, &["cpu.usage", "load.1", "--since", "5m"]);
        assert!(out.status.success() || Instant::now() < deadline, "{out:?}");
        if out.status.success() {
            let body: Value = serde_json::from_slice(&out.stdout).unwrap();
            if body["series"]["cpu.usage"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v.is_number())
            {
                break body;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(body["step"].as_u64().unwrap() >= 1);
    assert!(body["series"]["load.1"].is_array());
    let out = psmonitor(&server, &["--list"]);
    assert!(out.status.success());
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(listed.lines().any(|l| l == "mem.percent"), "{listed}");
    let out = psmonitor(&server, &["nope.metric"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown series"), "{err}");
}
