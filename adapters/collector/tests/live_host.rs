//! Two samples of the real host: shape and plausibility. Must also pass in a plain Debian 12
//! container or VM (no sensors, no wifi, maybe no cpufreq), so those are not asserted.
#![cfg(target_os = "linux")]

use std::time::Duration;

use psmonitor_collector::{HostCollector, HostReading, Sampler};
use psmonitor_core::model::CpuTimes;

fn two_samples() -> (HostReading, HostReading) {
    let mut collector = HostCollector::new().expect("the collector works on linux");
    let first = collector.sample();
    std::thread::sleep(Duration::from_millis(100));
    (first, collector.sample())
}

/// The counters the kernel keeps monotonic; `idle` and `iowait` may step back on tickless
/// kernels (see proc(5)), so only their sum over all CPUs is checked.
fn busy_ticks(t: &CpuTimes) -> [u64; 6] {
    [t.user, t.nice, t.system, t.irq, t.softirq, t.steal]
}

fn assert_non_decreasing(what: &str, before: &CpuTimes, after: &CpuTimes) {
    for (b, a) in busy_ticks(before).iter().zip(busy_ticks(after)) {
        assert!(a >= *b, "{what}: {before:?} -> {after:?}");
    }
}

fn sum(t: &CpuTimes) -> u64 {
    busy_ticks(t).iter().sum::<u64>() + t.idle + t.iowait
}

#[test]
fn identity_is_filled() {
    let (_, r) = two_samples();
    assert!(!r.distro.is_empty());
    assert!(!r.kernel.is_empty() && r.kernel.chars().next().is_some_and(|c| c.is_ascii_digit()));
    assert!(!r.hostname.is_empty());
    assert!(!r.user.is_empty());
    assert!(r.uptime_secs > 0);
    assert!(r.load_average.iter().all(|l| l.is_finite() && *l >= 0.0));
}

#[test]
fn cpu_counters_are_plausible_and_monotonic() {
    let (a, b) = two_samples();
    assert!(!b.cpu.cores.is_empty());
    assert_eq!(a.cpu.cores.len(), b.cpu.cores.len());
    assert!(b.cpu.total.user + b.cpu.total.system + b.cpu.total.idle > 0);
    assert_non_decreasing("total", &a.cpu.total, &b.cpu.total);
    assert!(sum(&b.cpu.total) >= sum(&a.cpu.total));
    for (i, (x, y)) in a.cpu.cores.iter().zip(&b.cpu.cores).enumerate() {
        assert_non_decreasing(&format!("core {i}"), x, y);
    }
    if let Some(mhz) = b.cpu.freq_mhz {
        assert!(mhz > 0.0 && mhz < 20_000.0, "{mhz} MHz");
    }
    for s in &b.cpu.sensors {
        assert!(s.celsius > -60.0 && s.celsius < 200.0, "{s:?}");
    }
    assert!(b.uptime_secs >= a.uptime_secs);
}

#[test]
fn memory_and_root_disk_are_plausible() {
    let (_, r) = two_samples();
    let m = r.memory;
    assert!(m.total > 0);
    assert!(m.available <= m.total && m.free <= m.total, "{m:?}");
    assert!(m.swap_free <= m.swap_total, "{m:?}");
    let root = r
        .disks
        .iter()
        .find(|d| d.mount_point == "/")
        .expect("a root disk");
    assert!(root.total > 0);
    assert!(
        root.available <= root.free && root.free <= root.total,
        "{root:?}"
    );
    assert!(!root.device.is_empty() && !root.fs_type.is_empty());
    let mut devices: Vec<&str> = r.disks.iter().map(|d| d.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    assert_eq!(devices.len(), r.disks.len(), "one disk per device");
    assert!(
        r.disks
            .iter()
            .all(|d| d.fs_type != "proc" && d.fs_type != "tmpfs")
    );
}

#[test]
fn network_counters_include_loopback_and_do_not_decrease() {
    let (a, b) = two_samples();
    assert!(
        b.interfaces.iter().any(|i| i.name == "lo"),
        "{:?}",
        b.interfaces
    );
    for after in &b.interfaces {
        let Some(before) = a.interfaces.iter().find(|i| i.name == after.name) else {
            continue;
        };
        assert!(
            after.bytes_received >= before.bytes_received,
            "{}",
            after.name
        );
        assert!(after.bytes_sent >= before.bytes_sent, "{}", after.name);
        assert!(
            after.packets_received >= before.packets_received,
            "{}",
            after.name
        );
        assert!(after.packets_sent >= before.packets_sent, "{}", after.name);
    }
}

#[test]
fn processes_include_ourselves_with_memory_and_owner() {
    let (_, r) = two_samples();
    // Our parent is listed unless it lives outside our pid namespace (ppid 0, e.g. as pid 1).
    if let Some(parent) = rustix::process::getppid() {
        let parent = parent.as_raw_nonzero().get().cast_unsigned();
        assert!(
            r.processes.iter().any(|p| p.pid == parent),
            "parent {parent} listed"
        );
        assert!(r.processes.len() >= 2, "{} processes", r.processes.len());
    }
    let me = r
        .processes
        .iter()
        .find(|p| p.pid == std::process::id())
        .expect("our own pid");
    assert!(me.rss > 0);
    assert_eq!(me.user, r.user, "we run as the collector's user");
    assert!(!me.name.is_empty());
    assert!(
        r.processes.windows(2).all(|w| w[0].pid < w[1].pid),
        "sorted, no duplicates"
    );
}

#[test]
fn processes_carry_cpu_time_and_threads_and_whole_disks_their_io() {
    let (first, second) = two_samples();
    let me = std::process::id();
    let mine = second
        .processes
        .iter()
        .find(|p| p.pid == me)
        .expect("this test process is listed");
    assert!(mine.threads >= 1, "{mine:?}");
    let before = first
        .processes
        .iter()
        .find(|p| p.pid == me)
        .expect("listed");
    assert!(mine.cpu_ms >= before.cpu_ms);
    assert!(
        second.processes.iter().any(|p| p.cpu_ms > 0),
        "some process has used CPU"
    );
    let whole_disks: Vec<String> = std::fs::read_dir("/sys/block")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| {
                    !n.starts_with("loop") && !n.starts_with("ram") && !n.starts_with("zram")
                })
                .collect()
        })
        .unwrap_or_default();
    for name in &whole_disks {
        assert!(
            second.disk_io.iter().any(|d| &d.name == name),
            "{name} missing from {:?}",
            second.disk_io
        );
    }
    assert!(second.disk_io.iter().all(|d| !d.name.starts_with("loop")));
}
