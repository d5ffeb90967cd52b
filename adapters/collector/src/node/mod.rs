//! The node_exporter-only sources (DESIGN 6.2): what `/metrics` reports beyond the views.
//!
//! Cost: the files read every sample are small and few (`/proc/vmstat`, three pressure files,
//! `file-nr`; `/proc/meminfo` and `/proc/stat` are already read for the views and parsed once
//! more here). The many small files of `/sys/class/net`, the clock sources and the static
//! cpufreq attributes are re-read every [`SLOW_EVERY`] samples; os-release and uname once.

pub mod netclass;
pub mod system;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use psmonitor_core::model::{ClockSource, CpuFreq, NetClassReading, NodeReading};

use crate::procfs::{filefd, kernel_stat, node_meminfo, pressure, vmstat};

/// Samples between re-reads of the interface attributes, clock sources and static cpufreq
/// attributes (they change when a cable is plugged or a governor set, not every second).
pub const SLOW_EVERY: u64 = 10;

/// Reads [`NodeReading`]s, keeping what changes slowly between samples.
#[derive(Debug)]
pub struct NodeSources {
    samples: u64,
    os_release: Vec<(String, String)>,
    uname: Vec<(String, String)>,
    netclass: Vec<NetClassReading>,
    clocksources: Vec<ClockSource>,
    cpufreq: Vec<CpuFreq>,
    /// Sources already logged as missing or unreadable (each is logged once, at debug).
    logged: BTreeSet<String>,
}

impl NodeSources {
    /// Reads os-release and the uname fields once.
    #[must_use]
    pub fn new() -> Self {
        let os_release = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|path| fs::read_to_string(path).ok())
            .map(|text| system::parse_os_release_fields(&text))
            .unwrap_or_default();
        Self {
            samples: 0,
            os_release,
            uname: system::read_uname(Path::new("/proc/sys/kernel")),
            netclass: Vec::new(),
            clocksources: Vec::new(),
            cpufreq: Vec::new(),
            logged: BTreeSet::new(),
        }
    }

    /// Nothing was read this sample: the next read re-reads the slow sources too.
    pub fn pause(&mut self) {
        self.samples = 0;
    }

    /// Logs once, at debug, that `source` gave nothing: its families are left out.
    fn gave_nothing(&mut self, source: &str) {
        if self.logged.insert(source.to_owned()) {
            tracing::debug!(
                source,
                "missing, empty or malformed: its /metrics series are left out"
            );
        }
    }

    /// One reading: `stat` and `meminfo` are the texts of `/proc/stat` and `/proc/meminfo` the
    /// caller read for this sample, `freqs_mhz` each CPU's `scaling_cur_freq` it read.
    pub fn read(&mut self, stat: &str, meminfo: &str, freqs_mhz: &[Option<f64>]) -> NodeReading {
        if self.samples.is_multiple_of(SLOW_EVERY) {
            self.netclass = netclass::read_netclass(Path::new("/sys/class/net"));
            self.clocksources =
                system::read_clocksources(Path::new("/sys/devices/system/clocksource"));
            self.cpufreq =
                system::read_cpufreq(Path::new("/sys/devices/system/cpu"), freqs_mhz.len());
        }
        self.samples += 1;
        for f in &mut self.cpufreq {
            if let Some(mhz) = usize::try_from(f.cpu).ok().and_then(|i| freqs_mhz.get(i)) {
                f.scaling_cur = mhz.map(|mhz| mhz * 1e6);
            }
        }
        let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
        let reading = NodeReading {
            meminfo: node_meminfo::parse_meminfo_fields(meminfo),
            vmstat: vmstat::parse_vmstat(&read("/proc/vmstat")),
            stat: kernel_stat::parse_kernel_stat(stat),
            cpu_guest: kernel_stat::parse_guest(stat),
            pressure: ["cpu", "io", "memory"]
                .iter()
                .filter_map(|r| pressure::parse_pressure(r, &read(&format!("/proc/pressure/{r}"))))
                .collect(),
            filefd: filefd::parse_file_nr(&read("/proc/sys/fs/file-nr")),
            netclass: self.netclass.clone(),
            os_release: self.os_release.clone(),
            uname: self.uname.clone(),
            clocksources: self.clocksources.clone(),
            cpufreq: self.cpufreq.clone(),
            hwmon_chips: Vec::new(),
        };
        let missing = [
            ("/proc/meminfo", reading.meminfo.is_empty()),
            ("/proc/vmstat", reading.vmstat.is_empty()),
            (
                "/proc/stat (ctxt, processes, intr, procs_*)",
                reading.stat.is_none(),
            ),
            ("/proc/pressure", reading.pressure.len() < 3),
            ("/proc/sys/fs/file-nr", reading.filefd.is_none()),
            ("os-release", reading.os_release.is_empty()),
        ];
        for (source, gave_nothing) in missing {
            if gave_nothing {
                self.gave_nothing(source);
            }
        }
        reading
    }
}

impl Default for NodeSources {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_that_gives_nothing_is_logged_once() {
        let mut node = NodeSources::new();
        node.gave_nothing("/proc/vmstat");
        node.gave_nothing("/proc/vmstat");
        node.gave_nothing("/proc/pressure");
        assert_eq!(node.logged.len(), 2);
    }

    #[test]
    fn a_live_reading_has_the_sources_this_host_has() {
        let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mut node = NodeSources::new();
        let r = node.read(&stat, &meminfo, &[]);
        assert!(r.meminfo.iter().any(|f| f.name == "MemTotal_bytes"));
        assert!(r.stat.is_some_and(|s| s.context_switches > 0));
        assert!(r.vmstat.iter().any(|f| f.name == "pgfault"));
        assert!(r.filefd.is_some_and(|f| f.maximum > 0));
        // Truncated inputs give nothing rather than wrong values, and no panic.
        let r = node.read(&stat[..stat.len() / 3], "MemTotal: 1", &[]);
        assert!(r.stat.is_none());
        assert_eq!(r.meminfo.len(), 1);
    }
}
