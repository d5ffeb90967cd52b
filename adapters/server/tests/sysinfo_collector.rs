//! The `psmonitor` binary end to end with `serve --collector sysinfo` on the live host: login,
//! `/system`, `/network` and a stream frame, all well formed; and an unknown collector refused.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{agent, next_text};
use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};

fn psmonitor(dir: &std::path::Path) -> Command {
    let mut cmd = common::binary::psmonitor(dir);
    cmd.env("PSMONITOR_PASSWORD", "correct horse battery staple");
    cmd
}

fn get(addr: &str, path: &str, token: &str) -> String {
    agent()
        .get(format!("http://{addr}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

#[test]
fn serve_with_the_sysinfo_collector_answers_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = psmonitor(dir.path())
        .args([
            "serve",
            "--port",
            "0",
            "--interval",
            "200ms",
            "--collector",
            "sysinfo",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("never listened");
        if let Some(addr) = line.strip_prefix("listening on http://") {
            break addr.to_owned();
        }
    };
    let body =
        serde_json::json!({"username": "PSMonitor", "password": "correct horse battery staple"});
    let login: serde_json::Value = agent()
        .post(format!("http://{addr}/authenticate"))
        .send_json(body)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let system: SystemSnapshot = serde_json::from_str(&get(&addr, "/system", token)).unwrap();
    assert!(system.mem.total > 0.0);
    assert!(!system.processes.is_empty());
    assert!(!system.cpu.cores.is_empty());
    assert!(!system.platform.kernel.is_empty());
    let network: NetworkSnapshot = serde_json::from_str(&get(&addr, "/network", token)).unwrap();
    assert!(network.interfaces.iter().any(|i| i == "lo"));

    let worker: serde_json::Value = agent()
        .post(format!("http://{addr}/worker"))
        .header("Authorization", format!("Bearer {token}"))
        .send_empty()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let (mut ws, _) = tungstenite::connect(worker["url"].as_str().unwrap()).unwrap();
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    let frame: StreamFrame = serde_json::from_str(&next_text(&mut ws)).unwrap();
    assert!((0.0..=100.0).contains(&frame.cpu.usage));
    assert!(
        frame
            .processes
            .iter()
            .all(|p| p.cpu.is_none_or(|c| c >= 0.0))
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_unknown_collector_is_refused_naming_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let out = psmonitor(dir.path())
        .args(["serve", "--port", "0", "--collector", "psutil"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("procfs or sysinfo"), "{err}");
}
