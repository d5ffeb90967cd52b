//! The golden files read back and checked against facts of the recordings, worked out here
//! independently of the encoders, so a wrong golden cannot be blessed by `UPDATE_GOLDEN=1`.

mod common;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use common::{HOSTS, fixtures_dir, last_pair, recording};
use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};
use serde_json::Value;

fn golden(host: &str, body: &str) -> String {
    let path = fixtures_dir()
        .join("golden")
        .join(host)
        .join(format!("{body}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn system(host: &str) -> SystemSnapshot {
    serde_json::from_str(&golden(host, "system")).expect("system golden decodes")
}

fn network(host: &str) -> NetworkSnapshot {
    serde_json::from_str(&golden(host, "network")).expect("network golden decodes")
}

#[test]
fn frame_is_the_system_body_without_user_platform_and_disks_plus_uptime() {
    for host in HOSTS {
        let mut sys: Value = serde_json::from_str(&golden(host, "system")).unwrap();
        let frame: Value = serde_json::from_str(&golden(host, "frame")).unwrap();
        let obj = sys.as_object_mut().unwrap();
        let uptime = obj["platform"]["uptime"].clone();
        for key in ["user", "platform", "disks"] {
            obj.remove(key);
        }
        obj.insert("uptime".into(), uptime);
        assert_eq!(sys, frame, "{host}");
        let _: StreamFrame = serde_json::from_value(frame).expect("frame decodes");
    }
}

#[test]
fn temperatures_follow_the_sensor_preference() {
    let expected = [
        ("real-debian-vm", None),
        ("desktop-intel-wifi", Some(48.0)), // Package id 0, not the hotter nvme Sensor 2
        ("amd-k10temp", Some(63.1)),        // Tctl 63.125
        ("vm-no-sensors", None),
        ("many-processes", Some(78.0)), // Package id 0 beats the hotter Package id 1
        ("no-swap-many-disks", None),   // only acpitz
    ];
    for (host, temp) in expected {
        assert_eq!(system(host).cpu.temp, temp, "{host}");
    }
    assert_eq!(system("vm-no-sensors").cpu.freq, None);
    assert_eq!(system("desktop-intel-wifi").cpu.freq, Some(4512.2));
}

#[test]
fn uptime_texts() {
    let expected = [
        ("desktop-intel-wifi", "4 hrs, 1 min, 2 secs"),
        ("amd-k10temp", "3 days, 2 hrs, 14 mins, 1 sec"),
        ("vm-no-sensors", "3 mins, 50 secs"),
        ("many-processes", "40 days, 1 hr, 2 secs"),
        ("no-swap-many-disks", "13 days"),
    ];
    for (host, text) in expected {
        assert_eq!(system(host).platform.uptime, text, "{host}");
    }
}

#[test]
fn process_rows_match_a_naive_full_sort_of_the_recording() {
    for host in HOSTS {
        let rec = recording(host);
        let (_, cur, _) = last_pair(&rec);
        let mut groups: BTreeMap<&str, (u64, u32, BTreeSet<&str>)> = BTreeMap::new();
        for p in &cur.processes {
            let g = groups
                .entry(&p.name)
                .or_insert((0, u32::MAX, BTreeSet::new()));
            g.0 += p.rss;
            g.1 = g.1.min(p.pid);
            g.2.insert(&p.user);
        }
        let mut rows: Vec<_> = groups.into_iter().collect();
        rows.sort_by_key(|(name, (rss, _, _))| (Reverse(*rss), *name));
        let got = system(host).processes;
        assert_eq!(got.len(), rows.len().min(10), "{host}");
        for (row, (name, (rss, pid, owners))) in got.iter().zip(rows) {
            assert_eq!(row.name, name, "{host}");
            assert_eq!(row.pid, pid, "{host} {name}");
            assert_eq!(
                row.username,
                owners.into_iter().collect::<Vec<_>>().join(", "),
                "{host} {name}"
            );
            let mib = rss as f64 / 1_048_576.0;
            assert!(
                (row.mem - mib).abs() <= 0.005 + 1e-9,
                "{host} {name}: {} vs {mib}",
                row.mem
            );
        }
    }
}

#[test]
fn many_processes_keeps_ten_rows_with_ties_by_name() {
    let rows = system("many-processes").processes;
    assert_eq!(rows.len(), 10);
    let a = rows
        .iter()
        .position(|r| r.name == "tie-a")
        .expect("tie-a listed");
    assert_eq!(rows[a + 1].name, "tie-b");
    assert_eq!(rows[a].mem, rows[a + 1].mem);
    assert!(rows.iter().any(|r| r.name.chars().count() == 200));
    assert!(rows.iter().any(|r| r.name == "日本語プロセス"));
}

#[test]
fn wireless_is_na_except_on_the_desktop() {
    for host in HOSTS {
        let raw: Value = serde_json::from_str(&golden(host, "network")).unwrap();
        if host == "desktop-intel-wifi" {
            assert_eq!(raw["wireless"]["quality"], "58/70");
            assert_eq!(raw["wireless"]["signal"], "-52 dBm");
            assert_eq!(raw["wireless"]["channel"], "36");
        } else {
            assert_eq!(raw["wireless"], "N/A", "{host}");
        }
    }
}

#[test]
fn nas_without_swap_reports_root_disk_and_survives_odd_counters() {
    let sys = system("no-swap-many-disks");
    assert_eq!(
        (sys.swap.total, sys.swap.used, sys.swap.percent),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(sys.disk.total, 219.0);
    assert_eq!(sys.disks.len(), 9);
    assert_eq!(sys.disks[0].mount, "/boot");
    let net = network("no-swap-many-disks");
    assert_eq!(net.interfaces.len(), 12);
    assert_eq!(
        net.interfaces.last().map(String::as_str),
        Some("veth9f8e7d")
    );
    let stats = &net.statistics;
    assert_eq!(stats["eno1"].tx_bytes_per_sec, 4_999_990.0);
    assert_eq!(stats["eno1"].mb_sent, (u64::MAX - 10) as f64 / 1_048_576.0);
    assert_eq!(
        stats["eno2"].tx_bytes_per_sec, 0.0,
        "reset counters give no rate"
    );
    assert_eq!(
        stats["veth9f8e7d"].rx_bytes_per_sec, 0.0,
        "new interface has no rate"
    );
    assert_eq!(stats["lo"].tx_bytes_per_sec, 500.0);
}
