//! The live host read by both backends at about the same moments: the same processes (up to
//! those that start or exit in between), equal memory and swap totals, the same CPU count, and
//! CPU usage over the same second within a tolerance (other work runs on the machine meanwhile).
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::time::Duration;

use psmonitor_collector::{HostCollector, HostReading, Sampler, SysinfoCollector};
use psmonitor_core::derive::cpu::usage_percent;

/// Percentage points the two backends' usage over the same second may differ by.
const CPU_TOLERANCE: f64 = 20.0;

fn pids(r: &HostReading) -> BTreeSet<u32> {
    r.processes.iter().map(|p| p.pid).collect()
}

#[test]
fn procfs_and_sysinfo_agree_on_the_live_host() {
    let mut procfs = HostCollector::new().expect("procfs collector");
    let mut sysinfo = SysinfoCollector::new().expect("sysinfo collector");
    let (p1, s1) = (procfs.sample(), sysinfo.sample());
    std::thread::sleep(Duration::from_secs(1));
    let (s2, p2) = (sysinfo.sample(), procfs.sample());

    // Every process both procfs readings saw lived through the sysinfo reading between them;
    // every process sysinfo saw was seen by at least one procfs reading, unless it lived only
    // between them (started after the first and exited before the second), which is rare.
    let (before, after, seen) = (pids(&p1), pids(&p2), pids(&s2));
    let lived_through: BTreeSet<u32> = before.intersection(&after).copied().collect();
    let missing: Vec<&u32> = lived_through.difference(&seen).collect();
    assert!(missing.is_empty(), "sysinfo missed {missing:?}");
    let either: BTreeSet<u32> = before.union(&after).copied().collect();
    let extra: Vec<&u32> = seen.difference(&either).collect();
    assert!(
        extra.len() <= 5,
        "sysinfo saw processes procfs never did: {extra:?}"
    );

    assert_eq!(s2.memory.total, p2.memory.total, "memory totals");
    assert_eq!(s2.memory.swap_total, p2.memory.swap_total, "swap totals");
    assert_eq!(s2.cpu.cores.len(), p2.cpu.cores.len(), "CPU count");

    let procfs_usage = usage_percent(&p1.cpu.total, &p2.cpu.total);
    let sysinfo_usage = usage_percent(&s1.cpu.total, &s2.cpu.total);
    assert!(
        (procfs_usage - sysinfo_usage).abs() <= CPU_TOLERANCE,
        "procfs {procfs_usage} % vs sysinfo {sysinfo_usage} %"
    );

    // Per-process CPU time is the same clock on both sides: this test's own process.
    let me = std::process::id();
    let mine = |r: &HostReading| r.processes.iter().find(|p| p.pid == me).map(|p| p.cpu_ms);
    let (a, b) = (
        mine(&p2).expect("procfs lists me"),
        mine(&s2).expect("sysinfo lists me"),
    );
    assert!(
        a.abs_diff(b) <= 1_000,
        "my CPU time: procfs {a} ms, sysinfo {b} ms"
    );
}

#[test]
fn the_sysinfo_backend_fills_the_reading() {
    let mut sysinfo = SysinfoCollector::new().expect("sysinfo collector");
    let r = sysinfo.sample();
    assert!(!r.kernel.is_empty() && !r.hostname.is_empty() && !r.distro.is_empty());
    assert!(r.uptime_secs > 0 && r.memory.total > 0);
    assert!(r.disks.iter().any(|d| d.total > 0));
    assert!(r.interfaces.iter().any(|i| i.name == "lo"));
    assert!(!r.user.is_empty());
    let sorted = r.processes.windows(2).all(|w| w[0].pid < w[1].pid);
    assert!(sorted, "processes by pid");
}
