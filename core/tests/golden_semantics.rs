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
        for key in [
            "user", "platform", "disks", "disk_io", "sensors", "gpus", "battery",
        ] {
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
fn wireless_is_na_except_on_the_wifi_hosts() {
    for host in HOSTS {
        let raw: Value = serde_json::from_str(&golden(host, "network")).unwrap();
        if host == "desktop-intel-wifi" || host == "nvidia-laptop" {
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

#[test]
fn the_detailed_frame_starts_with_the_classic_frame_and_adds_the_detail_keys() {
    for host in HOSTS {
        let frame: Value = serde_json::from_str(&golden(host, "frame")).unwrap();
        let detail: Value = serde_json::from_str(&golden(host, "detail")).unwrap();
        let sys: Value = serde_json::from_str(&golden(host, "system")).unwrap();
        let net: Value = serde_json::from_str(&golden(host, "network")).unwrap();
        for (key, value) in frame.as_object().unwrap() {
            assert_eq!(&detail[key], value, "{host}: {key}");
        }
        for key in ["disks", "disk_io", "sensors", "gpus", "battery"] {
            assert_eq!(detail[key], sys[key], "{host}: {key}");
        }
        for (iface, stats) in net["statistics"].as_object().unwrap() {
            assert_eq!(
                detail["net"][iface]["rx_bytes_per_sec"],
                stats["rx_bytes_per_sec"]
            );
            assert_eq!(
                detail["net"][iface]["tx_bytes_per_sec"],
                stats["tx_bytes_per_sec"]
            );
        }
        let procs = detail["procs"].as_array().unwrap();
        let rec = recording(host);
        let (_, cur, _) = last_pair(&rec);
        assert!(procs.len() <= 100, "{host}");
        assert!(procs.len() >= cur.processes.len().min(50), "{host}");
        let pids: std::collections::BTreeSet<u64> =
            procs.iter().map(|p| p["pid"].as_u64().unwrap()).collect();
        assert_eq!(pids.len(), procs.len(), "{host}: each process once");
    }
}

#[test]
fn per_process_cpu_of_the_gpu_desktop_matches_its_recorded_times() {
    let host = "amd-gpu-desktop";
    let rec = recording(host);
    let (prev, cur, elapsed) = last_pair(&rec);
    let detail: Value = serde_json::from_str(&golden(host, "detail")).unwrap();
    let procs = detail["procs"].as_array().unwrap();
    // Worked out by hand: clangd used 1,830 ms of CPU in the 1,000 ms interval, each of the six
    // rustc 950 ms (so their group shows 570 %).
    assert_eq!(elapsed.as_millis(), 1000);
    let clangd = procs
        .iter()
        .find(|p| p["name"] == "clangd")
        .expect("clangd listed");
    assert_eq!(clangd["cpu"], 183.0);
    let sys: Value = serde_json::from_str(&golden(host, "system")).unwrap();
    let rustc = sys["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "rustc");
    assert_eq!(rustc.expect("rustc group listed")["cpu"], 570.0);
    assert_eq!(procs[0]["cpu"], 183.0, "busiest first");
    // A process that started in between has no figure; one that exited has no row.
    let born = procs
        .iter()
        .find(|p| p["pid"] == 999_002)
        .expect("new process listed");
    assert!(born["cpu"].is_null());
    assert!(procs.iter().all(|p| p["pid"] != 999_001));
    assert!(prev.processes.iter().any(|p| p.pid == 999_001));
    assert!(cur.processes.iter().all(|p| p.pid != 999_001));
    // Top 50 by CPU together with top 50 by memory: every one of the 50 largest is present.
    let mut by_mem: Vec<_> = cur.processes.iter().collect();
    by_mem.sort_by(|a, b| b.rss.cmp(&a.rss).then(a.pid.cmp(&b.pid)));
    for p in by_mem.iter().take(50) {
        assert!(
            procs.iter().any(|r| r["pid"] == p.pid),
            "pid {} missing",
            p.pid
        );
    }
    let gpu = &detail["gpus"][0];
    assert_eq!(gpu["vendor"], "AMD");
    assert_eq!(gpu["busy"], 41.0);
    assert_eq!(gpu["vram_total"], 16368.0);
    assert_eq!(gpu["power"], 51.5);
    let nvme = &detail["disk_io"][0];
    assert_eq!(nvme["read_bytes_per_sec"], 52_428_800.0);
    assert_eq!(nvme["busy_percent"], 18.0);
}

#[test]
fn the_nvidia_laptop_shows_both_gpus_and_batteries_with_nulls_where_unreported() {
    let detail: Value = serde_json::from_str(&golden("nvidia-laptop", "detail")).unwrap();
    let gpus = detail["gpus"].as_array().unwrap();
    assert_eq!(gpus[0]["driver"], "i915");
    assert!(gpus[0]["busy"].is_null() && gpus[0]["temp"].is_null());
    assert_eq!(gpus[1]["name"], "NVIDIA GeForce RTX 4060 Laptop GPU");
    assert_eq!(gpus[1]["busy"], 29.0);
    assert!(gpus[1]["power"].is_null());
    assert_eq!(detail["battery"][0]["state"], "Discharging");
    assert_eq!(detail["battery"][0]["power"], 12.2);
    assert_eq!(detail["sensors"]["fans"][0]["rpm"], 2400.0);
    assert_eq!(detail["sensors"]["zones"][0]["type"], "x86_pkg_temp");
}
