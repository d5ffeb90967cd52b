//! The rest of `/proc/stat` (its non-CPU lines and guest time), for node_exporter's `stat` and
//! `cpu` collectors.

use psmonitor_core::model::{GuestTimes, KernelStat};

/// Parses `btime`, `ctxt`, `processes`, `intr` (its total), `procs_running` and
/// `procs_blocked`; `None` unless every one of them is present and numeric (a truncated file
/// gives no series rather than wrong ones).
pub fn parse_kernel_stat(text: &str) -> Option<KernelStat> {
    let mut found = [None; 6];
    for line in text.lines() {
        let mut parts = line.split_ascii_whitespace();
        let index = match parts.next() {
            Some("btime") => 0,
            Some("ctxt") => 1,
            Some("processes") => 2,
            Some("intr") => 3,
            Some("procs_running") => 4,
            Some("procs_blocked") => 5,
            _ => continue,
        };
        found[index] = parts.next().and_then(|v| v.parse::<u64>().ok());
    }
    let [
        boot_time,
        context_switches,
        forks,
        interrupts,
        procs_running,
        procs_blocked,
    ] = found;
    Some(KernelStat {
        boot_time: boot_time?,
        context_switches: context_switches?,
        forks: forks?,
        interrupts: interrupts?,
        procs_running: procs_running?,
        procs_blocked: procs_blocked?,
    })
}

/// Guest and guest-nice ticks of each `cpuN` line, in CPU order; empty unless every CPU line has
/// both columns (kernels before 2.6.33 lack them).
pub fn parse_guest(text: &str) -> Vec<GuestTimes> {
    let mut cores: Vec<(usize, GuestTimes)> = Vec::new();
    for line in text.lines() {
        let mut parts = line.split_ascii_whitespace();
        let Some(index) = parts
            .next()
            .and_then(|l| l.strip_prefix("cpu"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let values: Vec<u64> = parts.filter_map(|v| v.parse().ok()).collect();
        let (Some(&user), Some(&nice)) = (values.get(8), values.get(9)) else {
            return Vec::new();
        };
        cores.push((index, GuestTimes { user, nice }));
    }
    cores.sort_by_key(|(i, _)| *i);
    cores.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "cpu  9923 1 4199 64492 276 2 35 13 0 0
cpu1 5034 1 2303 31900 225 2 25 8 7 1
cpu0 4888 0 1895 32592 51 0 9 5 3 0
intr 304512 4 5 0
ctxt 642428
btime 1796591366
processes 19300
procs_running 4
procs_blocked 0
softirq 1 2 3
";

    #[test]
    fn reads_the_counters_and_guest_time() {
        let s = parse_kernel_stat(SAMPLE).unwrap();
        assert_eq!(
            s,
            KernelStat {
                boot_time: 1_796_591_366,
                context_switches: 642_428,
                forks: 19_300,
                interrupts: 304_512,
                procs_running: 4,
                procs_blocked: 0,
            }
        );
        assert_eq!(
            parse_guest(SAMPLE),
            [
                GuestTimes { user: 3, nice: 0 },
                GuestTimes { user: 7, nice: 1 }
            ]
        );
    }

    #[test]
    fn truncated_or_malformed_files_give_nothing_rather_than_wrong_values() {
        let truncated = &SAMPLE[..SAMPLE.find("processes").unwrap()];
        assert_eq!(parse_kernel_stat(truncated), None);
        assert_eq!(
            parse_kernel_stat(&SAMPLE.replace("ctxt 642428", "ctxt x")),
            None
        );
        assert_eq!(parse_kernel_stat(""), None);
        assert!(parse_guest("cpu0 1 2 3 4 5 6 7 8\n").is_empty());
        assert!(parse_guest("").is_empty());
    }
}
