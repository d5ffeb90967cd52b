//! A process's CPU time and memory from `/proc/PID/stat` and `/proc/PID/status`, the load
//! average, and the open-file limit.

use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use serde::Serialize;

use crate::LoadError;

/// One reading of a process: CPU time so far and memory now.
#[derive(Clone, Copy, Debug)]
pub struct ProcSample {
    /// When it was read.
    pub at: Instant,
    /// User plus system CPU time so far.
    pub cpu: Duration,
    /// Resident set size now, KiB (`VmRSS`).
    pub rss_kib: u64,
    /// Peak resident set size, KiB (`VmHWM`).
    pub hwm_kib: u64,
    /// Threads now.
    pub threads: u64,
}

impl ProcSample {
    /// Reads process `pid`.
    pub fn read(pid: u32) -> Result<Self, LoadError> {
        let at = Instant::now();
        let stat = read(&format!("/proc/{pid}/stat"))?;
        let status = read(&format!("/proc/{pid}/status"))?;
        Self::parse(&stat, &status, at, rustix::param::clock_ticks_per_second())
            .ok_or_else(|| LoadError::Proc(format!("cannot parse /proc/{pid}/stat or status")))
    }

    /// Reads this process.
    pub fn read_self() -> Result<Self, LoadError> {
        Self::read(std::process::id())
    }

    /// Parses the two files; `hz` is the kernel's clock ticks per second.
    pub fn parse(stat: &str, status: &str, at: Instant, hz: u64) -> Option<Self> {
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Field 3 (state) is rest[0], so utime (14) is rest[11] and stime (15) rest[12].
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        let kib = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        };
        let ticks = utime + stime;
        let hz = hz.max(1);
        Some(Self {
            at,
            cpu: Duration::from_secs(ticks / hz)
                + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz),
            rss_kib: kib("VmRSS:")?,
            hwm_kib: kib("VmHWM:")?,
            threads: kib("Threads:").unwrap_or(0),
        })
    }
}

/// CPU use and memory of a process over a window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProcUsage {
    /// CPU time over the window as a percentage of one core.
    pub cpu_percent: f64,
    /// Resident set size at the end, MiB.
    pub rss_mib: f64,
    /// Resident set size at the start, MiB.
    pub rss_start_mib: f64,
    /// Peak resident set size over the process's life (`VmHWM`), MiB.
    pub peak_rss_mib: f64,
    /// Threads at the end.
    pub threads: u64,
}

impl ProcUsage {
    /// The usage between two readings of the same process.
    pub fn between(start: &ProcSample, end: &ProcSample) -> Self {
        let wall = end.at.saturating_duration_since(start.at).as_secs_f64();
        let cpu = end.cpu.saturating_sub(start.cpu).as_secs_f64();
        Self {
            cpu_percent: if wall > 0.0 { cpu / wall * 100.0 } else { 0.0 },
            rss_mib: end.rss_kib as f64 / 1024.0,
            rss_start_mib: start.rss_kib as f64 / 1024.0,
            peak_rss_mib: end.hwm_kib as f64 / 1024.0,
            threads: end.threads,
        }
    }
}

/// The 1-minute load average, or `None` when unreadable.
pub fn load_average() -> Option<f64> {
    read("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The open-file limit after raising the soft limit to the hard one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimit {
    /// Soft limit now.
    pub soft: u64,
    /// Hard limit.
    pub hard: u64,
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit and returns both.
pub fn raise_file_limit() -> Result<FileLimit, LoadError> {
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum;
    if limit.current != hard {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: hard,
                maximum: hard,
            },
        )
        .map_err(|e| LoadError::Proc(format!("cannot raise the open-file limit: {e}")))?;
    }
    let now = getrlimit(Resource::Nofile);
    Ok(FileLimit {
        soft: now.current.unwrap_or(u64::MAX),
        hard: now.maximum.unwrap_or(u64::MAX),
    })
}

fn read(path: &str) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError::Proc(format!("{path}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_a_tricky_name_and_status() {
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1 0";
        let status = "Name:\tx\nVmHWM:\t    8192 kB\nVmRSS:\t    4096 kB\nThreads:\t3\n";
        let t0 = Instant::now();
        let s = ProcSample::parse(stat, status, t0, 100).unwrap();
        assert_eq!(s.cpu, Duration::from_secs(3));
        assert_eq!((s.rss_kib, s.hwm_kib, s.threads), (4096, 8192, 3));
        let later = ProcSample {
            at: t0 + Duration::from_secs(10),
            cpu: Duration::from_secs(4),
            ..s
        };
        let usage = ProcUsage::between(&s, &later);
        assert!((usage.cpu_percent - 10.0).abs() < 1e-9);
        assert!((usage.peak_rss_mib - 8.0).abs() < 1e-9);
        assert!(ProcSample::parse("garbage", status, t0, 100).is_none());
    }

    #[test]
    fn reads_this_process() {
        let me = ProcSample::read_self().unwrap();
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
        assert!(load_average().is_some());
    }
}
