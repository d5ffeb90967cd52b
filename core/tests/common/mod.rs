//! Shared helpers for the fixture-driven tests: load a host recording and derive its snapshot.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use psmonitor_core::model::{HostReading, HostRecording};
use psmonitor_core::snapshot::{Derived, Snapshot};

/// The recorded hosts under `fixtures/hosts/`, by file stem.
pub const HOSTS: [&str; 8] = [
    "real-debian-vm",
    "desktop-intel-wifi",
    "amd-k10temp",
    "vm-no-sensors",
    "many-processes",
    "no-swap-many-disks",
    "amd-gpu-desktop",
    "nvidia-laptop",
];

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
}

/// Reads and parses `fixtures/hosts/<name>.json`.
pub fn recording(name: &str) -> HostRecording {
    let path = fixtures_dir().join("hosts").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a HostRecording: {e}", path.display()))
}

/// The last two readings of a recording and the interval between them.
pub fn last_pair(rec: &HostRecording) -> (&HostReading, &HostReading, Duration) {
    let n = rec.readings.len();
    assert!(n >= 2, "a recording needs at least two readings");
    (
        &rec.readings[n - 2],
        &rec.readings[n - 1],
        Duration::from_millis(rec.interval_ms),
    )
}

/// The encoded snapshot of a host's last two readings.
pub fn snapshot(name: &str) -> Snapshot {
    let rec = recording(name);
    let (prev, cur, elapsed) = last_pair(&rec);
    Snapshot::derive(prev, cur, elapsed)
}

/// The encoded snapshot of a host's last two readings, with the detailed frame.
pub fn detailed_snapshot(name: &str) -> Snapshot {
    let rec = recording(name);
    let (prev, cur, elapsed) = last_pair(&rec);
    Snapshot::derive_with_detail(prev, cur, elapsed, true)
}

/// The typed snapshot of a host's last two readings.
pub fn derived(name: &str) -> Derived {
    let rec = recording(name);
    let (prev, cur, elapsed) = last_pair(&rec);
    Derived::new(prev, cur, elapsed)
}
