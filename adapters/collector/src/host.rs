//! [`HostCollector`]: reads the live host.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use psmonitor_core::model::{CpuReading, DiskReading, GpuReading, HostReading};

use crate::gpu::drm::{self, Card};
use crate::identity::{UserNames, parse_os_release};
use crate::procfs::mounts::MountEntry;
use crate::procfs::{diskstats, meminfo, mounts, netdev, stat, system, wireless};
use crate::procs::ProcessReader;
use crate::sysfs::SensorInput;
use crate::thermal::{self, ZoneInput};
use crate::{CollectorError, SampleRequest, Sampler, battery, sysfs};

/// Samples between re-reads of `/proc/mounts` (sizes are still read every sample).
const MOUNTS_EVERY: u64 = 10;
/// Samples between re-scans of `/sys/class/hwmon` for sensors (values are read every sample).
const SENSORS_EVERY: u64 = 60;

/// Samples the live host from `/proc` and `/sys`: processes through a caching
/// [`ProcessReader`]; the mount list and the hwmon sensor list are re-discovered only every
/// [`MOUNTS_EVERY`] and [`SENSORS_EVERY`] samples.
pub struct HostCollector {
    processes: ProcessReader,
    samples: u64,
    mounts: Vec<MountEntry>,
    sensors: Vec<SensorInput>,
    fans: Vec<SensorInput>,
    zones: Vec<ZoneInput>,
    cards: Vec<Card>,
    /// Whole block devices (`/sys/block`), re-listed with the mounts.
    block_devices: Vec<String>,
    #[cfg(any(target_os = "linux", target_os = "windows"))]
    nvml: Option<crate::gpu::nvml::NvmlGpus>,
    /// The cpufreq files for the current core count.
    freq_paths: Vec<PathBuf>,
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
        let mut users = UserNames::default();
        let user = users.name(rustix::process::geteuid().as_raw());
        let distro = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|path| parse_os_release(&read(path)))
            .unwrap_or_else(|| "Linux".to_owned());
        Ok(Self {
            processes: ProcessReader::new("/proc"),
            samples: 0,
            mounts: Vec::new(),
            sensors: Vec::new(),
            fans: Vec::new(),
            zones: Vec::new(),
            cards: Vec::new(),
            block_devices: Vec::new(),
            #[cfg(any(target_os = "linux", target_os = "windows"))]
            nvml: crate::gpu::nvml::NvmlGpus::load(),
            freq_paths: Vec::new(),
            users,
            user,
            distro,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            started: Instant::now(),
        })
    }

    fn cpu(&mut self) -> CpuReading {
        let (total, cores) = stat::parse_proc_stat(&read("/proc/stat"));
        if self.freq_paths.len() != cores.len() {
            self.freq_paths =
                sysfs::cpu_freq_paths(Path::new("/sys/devices/system/cpu"), cores.len());
        }
        let freq_mhz = sysfs::read_freq_mhz(&self.freq_paths)
            .or_else(|| system::parse_cpuinfo_mhz(&read("/proc/cpuinfo")));
        if self.samples.is_multiple_of(SENSORS_EVERY) {
            self.sensors = sysfs::find_sensors(Path::new("/sys/class/hwmon"));
            self.fans = sysfs::find_fans(Path::new("/sys/class/hwmon"));
            self.zones = thermal::find_zones(Path::new("/sys/class/thermal"));
            self.cards = drm::find_cards(Path::new("/sys/class/drm"));
        }
        CpuReading {
            total,
            cores,
            freq_mhz,
            sensors: sysfs::read_inputs(&self.sensors),
        }
    }

    fn disks(&mut self) -> Vec<DiskReading> {
        if self.samples.is_multiple_of(MOUNTS_EVERY) {
            self.mounts = mounts::parse_mounts(&read("/proc/mounts"));
            self.block_devices = block_devices(Path::new("/sys/block"));
        }
        disks(&self.mounts)
    }

    fn gpus(&self) -> Vec<GpuReading> {
        let mut gpus: Vec<GpuReading> = self.cards.iter().map(drm::read_card).collect();
        #[cfg(any(target_os = "linux", target_os = "windows"))]
        if let Some(nvml) = self
            .nvml
            .as_ref()
            .filter(|_| !drm::nvidia_all_suspended(Path::new("/sys/class/drm")))
        {
            gpus.extend(nvml.read());
        }
        gpus
    }
}

impl Sampler for HostCollector {
    fn sample(&mut self) -> HostReading {
        self.sample_for(SampleRequest { processes: true })
    }

    /// Skips the `/proc/<pid>` scan, most of a sample's cost, unless `request` asks for it.
    fn sample_for(&mut self, request: SampleRequest) -> HostReading {
        let processes = if request.processes {
            self.processes.read(&mut self.users)
        } else {
            Vec::new()
        };
        let monotonic_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let reading = HostReading {
            monotonic_ms,
            hostname: read("/proc/sys/kernel/hostname").trim().to_owned(),
            user: self.user.clone(),
            distro: self.distro.clone(),
            kernel: self.kernel.clone(),
            uptime_secs: system::parse_uptime(&read("/proc/uptime")),
            load_average: system::parse_loadavg(&read("/proc/loadavg")),
            cpu: self.cpu(),
            memory: meminfo::parse_meminfo(&read("/proc/meminfo")),
            disks: self.disks(),
            processes,
            interfaces: netdev::parse_net_dev(&read("/proc/net/dev")),
            wireless: wireless::parse_wireless(&read("/proc/net/wireless")),
            disk_io: diskstats::parse_diskstats(&read("/proc/diskstats"), |name| {
                self.block_devices.iter().any(|d| d == name)
            }),
            fans: sysfs::read_fans(&self.fans),
            thermal_zones: thermal::read_zones(&self.zones),
            batteries: battery::read_batteries(Path::new("/sys/class/power_supply")),
            gpus: self.gpus(),
        };
        self.samples += 1;
        reading
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

/// The real filesystems of `mounts` with their `statvfs` sizes; unreadable or empty ones
/// (size 0) are left out.
fn disks(mounts: &[MountEntry]) -> Vec<DiskReading> {
    mounts
        .iter()
        .filter_map(|m| {
            let vfs = rustix::fs::statvfs(m.mount_point.as_str()).ok()?;
            let total = vfs.f_blocks.saturating_mul(vfs.f_frsize);
            (total > 0).then(|| DiskReading {
                total,
                free: vfs.f_bfree.saturating_mul(vfs.f_frsize),
                available: vfs.f_bavail.saturating_mul(vfs.f_frsize),
                mount_point: m.mount_point.clone(),
                device: m.device.clone(),
                fs_type: m.fs_type.clone(),
            })
        })
        .collect()
}

/// The whole block devices under `root` (normally `/sys/block`) that are not loop or ram disks.
fn block_devices(root: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| diskstats::is_physical(name))
        .collect()
}

/// The text of a file, empty when it cannot be read.
fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_default()
}
