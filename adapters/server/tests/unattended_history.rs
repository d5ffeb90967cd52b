//! Issue 21 item 1 on the real binary: with history on, a server left alone records from its
//! first second; nobody has to connect or ask first.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::binary::{Served, login, psmonitor};
use common::{agent, host};

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `psmonitor serve` at the default interval and history settings, on port 0 with a fixture.
#[allow(
    clippy::zombie_processes,
    reason = "`Served` kills and waits for the child on drop"
)]
fn serve_default_interval(dir: &std::path::Path, password: &str) -> Served {
    let mut child = psmonitor(dir)
        .args(["serve", "--port", "0", "--fixture"])
        .arg(host("vm-no-sensors"))
        .env("PSMONITOR_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = Vec::new();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("server exited before listening: {stdout:?}"))
            .unwrap();
        if let Some(addr) = line.strip_prefix("listening on http://") {
            let addr = addr.to_owned();
            stdout.push(line);
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Served {
                child,
                addr,
                stdout,
            };
        }
        stdout.push(line);
    }
}

#[test]
fn a_server_left_alone_records_history_from_its_first_second() {
    let dir = tempfile::tempdir().unwrap();
    let started = unix_now();
    let served = serve_default_interval(dir.path(), "unattended-password");
    // Nobody connects and nobody asks for 15 s: the time is what this test is about.
    std::thread::sleep(Duration::from_secs(15));
    let first_request = unix_now();
    let (status, json) = login(&served.addr, "unattended-password");
    assert_eq!(status, 200, "{json}");
    let token = json["token"].as_str().unwrap();
    let url = format!(
        "http://{}/history?series=cpu.usage,mem.percent&since={}&until={}",
        served.addr,
        started - 1,
        first_request + 1
    );
    let body: serde_json::Value = agent()
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(body["step"], 1, "{body}");
    let times = body["times"].as_array().unwrap();
    for name in ["cpu.usage", "mem.percent"] {
        let values = body["series"][name].as_array().unwrap();
        assert_eq!(times.len(), values.len());
        let before_first_request = times
            .iter()
            .zip(values)
            .filter(|(t, v)| !v.is_null() && t.as_i64().unwrap() < first_request)
            .count();
        assert!(
            before_first_request >= 12,
            "{name}: {before_first_request} samples before the first request: {body}"
        );
    }
}
