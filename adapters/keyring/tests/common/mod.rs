//! Runs one `#[ignore]`d test of this binary as a child process pointed at a bus.
#![allow(dead_code)] // each test binary uses part of it

use std::process::Command;
use std::time::Instant;

/// Runs the `#[ignore]`d test `name` of this binary as a child on `bus` with `env` added; panics
/// with its output unless it passed. The child sees no other bus and no display.
pub fn run_child(name: &str, bus: Option<&str>, env: &[(&str, String)]) -> String {
    let runtime = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--ignored", "--nocapture"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    if let Some(bus) = bus {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {name} failed after {:?}:\n{text}",
        started.elapsed()
    );
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
    eprintln!("--- child {name}:\n{text}");
    text
}
