//! [`HostCollector`]: reads the live host.

use std::fmt;
use std::fs;
use std::path::Path;
use std::time::Instant;

use psmonitor_core::model::{CpuReading, DiskReading, HostReading};

use crate::identity::{UserNames, parse_os_release};
use crate::procfs::{meminfo, mounts, netdev, stat, system, wireless};
use crate::procs::ProcessReader;
use crate::{CollectorError, Sampler, sysfs};

/// Samples the live host from `/proc` and `/sys`, processes through a caching [`ProcessReader`].
pub struct HostCollector {
    processes: ProcessReader,
    users: UserNames,
    user: String,
    distro: String,
    kernel: String,
    /// Zero of the readings' `monotonic_ms`.
    started: Instant,
}

impl HostCollector {
    /// Builds a collector; reads the distro, kernel release and the current user once.
    ///
    /// Cannot fail on Linux today (a missing source gives defaults); the `Result` is kept so a
    /// platform check can be added without changing callers.
    pub fn new() -> Result<Self, CollectorError> {
        let mut users = UserNames::load();
        let user = users.name(rustix::process::geteuid().as_raw());
        let distro = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|path| parse_os_release(&read(path)))
            .unwrap_or_else(|| "Linux".to_owned());
        Ok(Self {
            processes: ProcessReader::new("/proc"),
            users,
            user,
            distro,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            started: Instant::now(),
        })
    }

    fn cpu(&self) -> CpuReading {
        let (total, cores) = stat::parse_proc_stat(&read("/proc/stat"));
        let freq_mhz = sysfs::read_cpu_freq_mhz(Path::new("/sys/devices/system/cpu"), cores.len())
            .or_else(|| system::parse_cpuinfo_mhz(&read("/proc/cpuinfo")));
        CpuReading {
            total,
            cores,
            freq_mhz,
            sensors: sysfs::read_sensors(Path::new("/sys/class/hwmon")),
        }
    }
}

impl Sampler for HostCollector {
    fn sample(&mut self) -> HostReading {
        let processes = self.processes.read(&mut self.users);
        let monotonic_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        HostReading {
            monotonic_ms,
            hostname: read("/proc/sys/kernel/hostname").trim().to_owned(),
            user: self.user.clone(),
            distro: self.distro.clone(),
            kernel: self.kernel.clone(),
            uptime_secs: system::parse_uptime(&read("/proc/uptime")),
            load_average: system::parse_loadavg(&read("/proc/loadavg")),
            cpu: self.cpu(),
            memory: meminfo::parse_meminfo(&read("/proc/meminfo")),
            disks: disks(&read("/proc/mounts")),
            processes,
            interfaces: netdev::parse_net_dev(&read("/proc/net/dev")),
            wireless: wireless::parse_wireless(&read("/proc/net/wireless")),
        }
    }
}

impl fmt::Debug for HostCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostCollector")
            .field("user", &self.user)
            .field("distro", &self.distro)
            .field("kernel", &self.kernel)
            .finish_non_exhaustive()
    }
}

/// The real filesystems of `mounts_text` with their `statvfs` sizes; unreadable or empty ones
/// (size 0) are left out.
fn disks(mounts_text: &str) -> Vec<DiskReading> {
    mounts::parse_mounts(mounts_text)
        .into_iter()
        .filter_map(|m| {
            let vfs = rustix::fs::statvfs(m.mount_point.as_str()).ok()?;
            let total = vfs.f_blocks.saturating_mul(vfs.f_frsize);
            (total > 0).then(|| DiskReading {
                total,
                free: vfs.f_bfree.saturating_mul(vfs.f_frsize),
                available: vfs.f_bavail.saturating_mul(vfs.f_frsize),
                mount_point: m.mount_point,
                device: m.device,
                fs_type: m.fs_type,
            })
        })
        .collect()
}

/// The text of a file, empty when it cannot be read.
fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_default()
}
