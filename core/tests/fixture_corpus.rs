//! The fixture corpus itself: exactly the six hosts, each showing what its name promises.

mod common;

use std::collections::BTreeSet;

use common::{HOSTS, fixtures_dir, last_pair, recording};
use psmonitor_core::model::{CpuTimes, HostReading};

fn ticks(t: &CpuTimes) -> u64 {
    [
        t.user, t.nice, t.system, t.idle, t.iowait, t.irq, t.softirq, t.steal,
    ]
    .iter()
    .sum()
}

fn chips(r: &HostReading) -> BTreeSet<(&str, &str)> {
    r.cpu
        .sensors
        .iter()
        .map(|s| (s.chip.as_str(), s.label.as_str()))
        .collect()
}

#[test]
fn the_corpus_holds_exactly_the_listed_hosts() {
    let dir = fixtures_dir().join("hosts");
    let found: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("fixtures/hosts exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = HOSTS.iter().map(|h| format!("{h}.json")).collect();
    assert_eq!(found, expected);
}

#[test]
fn every_recording_has_two_readings_a_second_apart_with_counters_advancing() {
    for host in HOSTS {
        let rec = recording(host);
        assert_eq!(rec.interval_ms, 1000, "{host}");
        assert!(!rec.description.is_empty(), "{host}");
        let (prev, cur, _) = last_pair(&rec);
        assert!(
            ticks(&cur.cpu.total) > ticks(&prev.cpu.total),
            "{host}: cpu counters"
        );
        assert_eq!(
            cur.cpu.cores.len(),
            prev.cpu.cores.len(),
            "{host}: core count"
        );
        let advanced = cur.interfaces.iter().any(|i| {
            prev.interfaces.iter().any(|p| {
                p.name == i.name
                    && i.bytes_sent + i.bytes_received > p.bytes_sent + p.bytes_received
            })
        });
        assert!(advanced, "{host}: no interface counter advanced");
        assert_eq!(cur.uptime_secs, prev.uptime_secs + 1, "{host}: uptime");
    }
}

#[test]
fn real_debian_vm_is_this_machine() {
    let rec = recording("real-debian-vm");
    let (_, cur, _) = last_pair(&rec);
    assert!(
        cur.distro.starts_with("Debian GNU/Linux 12"),
        "{}",
        cur.distro
    );
    assert_eq!(cur.cpu.cores.len(), 2);
    assert!(cur.disks.iter().any(|d| d.mount_point == "/"));
    assert!(cur.processes.len() > 10);
}

#[test]
fn desktop_has_coretemp_nvme_wifi_swap_and_300_processes() {
    let rec = recording("desktop-intel-wifi");
    let (_, cur, _) = last_pair(&rec);
    let c = chips(cur);
    assert!(c.contains(&("coretemp", "Package id 0")));
    for i in 0..8 {
        assert!(
            c.contains(&("coretemp", format!("Core {i}").as_str())),
            "Core {i}"
        );
    }
    assert!(c.iter().any(|(chip, _)| *chip == "nvme"));
    assert!(c.iter().any(|(chip, _)| chip.starts_with("iwlwifi")));
    assert!(cur.cpu.freq_mhz.is_some());
    assert_eq!(
        cur.wireless.as_ref().map(|w| w.name.as_str()),
        Some("wlan0")
    );
    assert!(cur.interfaces.iter().any(|i| i.name == "wlan0"));
    assert!(cur.memory.swap_total > 0);
    assert_eq!(cur.processes.len(), 300);
}

#[test]
fn amd_host_has_k10temp_and_sixteen_cores() {
    let rec = recording("amd-k10temp");
    let (_, cur, _) = last_pair(&rec);
    let c = chips(cur);
    assert!(c.contains(&("k10temp", "Tctl")) && c.contains(&("k10temp", "Tccd1")));
    assert_eq!(cur.cpu.cores.len(), 16);
}

#[test]
fn gpu_hosts_carry_an_amd_and_an_nvidia_gpu_with_the_new_sources() {
    let rec = recording("amd-gpu-desktop");
    let (prev, cur, _) = last_pair(&rec);
    assert_eq!(cur.gpus.len(), 1);
    assert_eq!(
        (cur.gpus[0].vendor.as_str(), cur.gpus[0].driver.as_str()),
        ("AMD", "amdgpu")
    );
    assert!(cur.gpus[0].busy_percent.is_some() && cur.gpus[0].power_watts.is_some());
    assert!(!cur.fans.is_empty() && !cur.disk_io.is_empty() && cur.batteries.is_empty());
    let pids = |r: &HostReading| r.processes.iter().map(|p| p.pid).collect::<BTreeSet<_>>();
    assert!(
        !pids(prev).is_subset(&pids(cur)),
        "a process exits in between"
    );
    assert!(
        !pids(cur).is_subset(&pids(prev)),
        "a process starts in between"
    );

    let rec = recording("nvidia-laptop");
    let (_, cur, _) = last_pair(&rec);
    let vendors: Vec<&str> = cur.gpus.iter().map(|g| g.vendor.as_str()).collect();
    assert_eq!(vendors, ["Intel", "NVIDIA"]);
    assert_eq!(cur.gpus[1].power_watts, None, "NVML's failed power reading");
    assert_eq!(cur.batteries.len(), 2);
}

#[test]
fn vm_has_no_sensors_no_freq_no_wireless() {
    let rec = recording("vm-no-sensors");
    for r in &rec.readings {
        assert!(r.cpu.sensors.is_empty());
        assert_eq!(r.cpu.freq_mhz, None);
        assert!(r.wireless.is_none());
    }
}

#[test]
fn many_processes_has_awkward_names_and_shared_owners() {
    let rec = recording("many-processes");
    let (_, cur, _) = last_pair(&rec);
    assert_eq!(cur.processes.len(), 5000);
    let names: BTreeSet<&str> = cur.processes.iter().map(|p| p.name.as_str()).collect();
    for n in ["Web Content", "日本語プロセス", "naïve-🚀"] {
        assert!(names.contains(n), "{n}");
    }
    assert!(names.iter().any(|n| n.chars().count() == 200));
    assert!(names.len() < 1000, "names should repeat: {}", names.len());
    let pids: BTreeSet<u32> = cur.processes.iter().map(|p| p.pid).collect();
    assert_eq!(pids.len(), 5000, "pids are unique");
}

#[test]
fn no_swap_host_has_many_disks_root_not_first_and_huge_counters() {
    let rec = recording("no-swap-many-disks");
    let (_, cur, _) = last_pair(&rec);
    assert_eq!(cur.memory.swap_total, 0);
    assert!(cur.disks.len() >= 8);
    assert_ne!(cur.disks[0].mount_point, "/");
    assert!(cur.disks.iter().any(|d| d.mount_point == "/"));
    assert!(cur.interfaces.len() >= 10);
    assert!(cur.interfaces.iter().any(|i| i.bytes_sent > u64::MAX / 2));
}
