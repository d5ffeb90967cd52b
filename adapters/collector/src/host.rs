//! [`HostCollector`]: reads the live host.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use psmonitor_core::model::{CpuReading, DiskReading, GpuReading, HostReading, HwmonChip};

use crate::devices::DeviceIdentity;
use crate::gpu::drm::{self, Card};
use crate::held::{self, HeldFiles};
use crate::identity::{UserNames, parse_os_release};
use crate::node::NodeSources;
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
/// Samples between re-reads of the host name and re-scans of `/sys/class/power_supply` for
/// batteries (a battery's charge is read every sample): both change rarely, and an idle server
/// should not pay for them every second.
const IDENTITY_EVERY: u64 = 30;
/// Samples between looks for a source found absent (`/proc/net/wireless` without wireless
/// extensions, cpufreq in most VMs): an absent file costs a failed `open` each time it is tried,
/// and these appear only with new hardware or a loaded driver.
const ABSENT_EVERY: u64 = 30;

/// Samples the live host from `/proc` and `/sys`: processes through a caching
/// [`ProcessReader`]; the mount list and the hwmon sensor list are re-discovered only every
/// [`MOUNTS_EVERY`] and [`SENSORS_EVERY`] samples, the host name and the batteries every
/// [`IDENTITY_EVERY`].
pub struct HostCollector {
    processes: ProcessReader,
    samples: u64,
    mounts: Vec<MountEntry>,
    sensors: Vec<SensorInput>,
    fans: Vec<SensorInput>,
    zones: Vec<ZoneInput>,
    cards: Vec<Card>,
    /// The node_exporter-only sources.
    node: NodeSources,
    /// The hwmon chips, re-scanned with the sensors.
    chips: Vec<HwmonChip>,
    /// Disk models, MACs, addresses: kept, re-read every half minute.
    identity: DeviceIdentity,
    /// The `scaling_cur_freq` of each CPU in this sample, in MHz.
    freqs_mhz: Vec<Option<f64>>,
    #[cfg(any(target_os = "linux", target_os = "windows"))]
    nvml: Option<crate::gpu::nvml::NvmlGpus>,
    /// The cpufreq files for the current core count.
    freq_paths: Vec<PathBuf>,
    /// Whether the last look at `freq_paths` read a frequency; if not, they are tried again
    /// only every [`ABSENT_EVERY`] samples.
    freqs_found: bool,
    /// Whether `/proc/net/wireless` was there at the last look; if not, it is looked for again
    /// only every [`ABSENT_EVERY`] samples.
    wireless_found: bool,
    /// The `/proc/cpuinfo` frequency, where cpufreq gives none; re-read every
    /// [`MOUNTS_EVERY`] samples.
    cpuinfo_mhz: Option<f64>,
    users: UserNames,
    /// The host-level files read every sample (`/proc/stat`, `/proc/meminfo`, ...), held open.
    files: HeldFiles,
    /// The host name, re-read every [`IDENTITY_EVERY`] samples.
    hostname: String,
    /// The battery directories under `/sys/class/power_supply`, re-scanned with the host name.
    batteries: Vec<PathBuf>,
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
            node: NodeSources::new(),
            chips: Vec::new(),
            identity: DeviceIdentity::new(),
            freqs_mhz: Vec::new(),
            #[cfg(any(target_os = "linux", target_os = "windows"))]
            nvml: crate::gpu::nvml::NvmlGpus::load(),
            freq_paths: Vec::new(),
            freqs_found: true,
            wireless_found: true,
            cpuinfo_mhz: None,
            users,
            files: HeldFiles::default(),
            hostname: String::new(),
            batteries: Vec::new(),
            user,
            distro,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            started: Instant::now(),
        })
    }

    fn cpu(&mut self, stat_text: &str) -> CpuReading {
        let (total, cores) = stat::parse_proc_stat(stat_text);
        let look_again = self.samples.is_multiple_of(ABSENT_EVERY);
        if self.freq_paths.len() != cores.len() {
            self.freq_paths =
                sysfs::cpu_freq_paths(Path::new("/sys/devices/system/cpu"), cores.len());
            self.freqs_found = true;
        }
        if self.freqs_found || look_again {
            self.freqs_mhz = sysfs::read_freqs_mhz(&self.freq_paths);
            self.freqs_found = self.freqs_mhz.iter().any(Option::is_some);
        }
        let freq_mhz = sysfs::average_mhz(&self.freqs_mhz).or_else(|| {
            // No cpufreq (most VMs): `/proc/cpuinfo` is the costliest file a tick would read,
            // and its figure barely moves there, so it is read every MOUNTS_EVERY samples.
            if self.samples.is_multiple_of(MOUNTS_EVERY) {
                self.cpuinfo_mhz = system::parse_cpuinfo_mhz(&read("/proc/cpuinfo"));
            }
            self.cpuinfo_mhz
        });
        if self.samples.is_multiple_of(SENSORS_EVERY) {
            self.sensors = sysfs::find_sensors(Path::new("/sys/class/hwmon"));
            self.fans = sysfs::find_fans(Path::new("/sys/class/hwmon"));
            self.zones = thermal::find_zones(Path::new("/sys/class/thermal"));
            self.chips = sysfs::find_chips(Path::new("/sys/class/hwmon"));
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

impl HostCollector {
    /// The wireless link, from `/proc/net/wireless` if it is there (see `wireless_found`).
    fn wireless(&mut self) -> Option<psmonitor_core::model::WirelessReading> {
        if !self.wireless_found && !self.samples.is_multiple_of(ABSENT_EVERY) {
            return None;
        }
        match self.files.read("/proc/net/wireless", false) {
            Ok(text) => {
                self.wireless_found = true;
                wireless::parse_wireless(&text)
            }
            Err(e) => {
                self.wireless_found = e != rustix::io::Errno::NOENT;
                None
            }
        }
    }

    /// The node_exporter-only part: read when `wanted` (someone scrapes `/metrics`); empty
    /// otherwise.
    fn node_reading(
        &mut self,
        wanted: bool,
        stat: &str,
        meminfo: &str,
    ) -> psmonitor_core::model::NodeReading {
        if wanted {
            self.node.read(stat, meminfo, &self.freqs_mhz)
        } else {
            self.node.pause();
            psmonitor_core::model::NodeReading::default()
        }
    }
}

impl Sampler for HostCollector {
    fn sample(&mut self) -> HostReading {
        self.sample_for(SampleRequest {
            processes: true,
            node: true,
        })
    }

    /// Skips the `/proc/<pid>` scan, most of a sample's cost, unless `request` asks for it.
    fn sample_for(&mut self, request: SampleRequest) -> HostReading {
        if self.samples.is_multiple_of(IDENTITY_EVERY) {
            self.hostname = read_line("/proc/sys/kernel/hostname").trim().to_owned();
            self.batteries = battery::find_batteries(Path::new("/sys/class/power_supply"));
        }
        // Disk I/O, fans, thermal zones, batteries and GPUs are shown only to viewers (history
        // records none of them), and viewers make samples read processes: a sample for nobody
        // (history's idle ticks, `/network`) skips them.
        let watched = request.processes;
        // Before the scan: a process created after this read makes the next one list `/proc`.
        let loadavg = self.files.read("/proc/loadavg", true).unwrap_or_default();
        let processes = if request.processes {
            let newest = system::parse_loadavg_last_pid(&loadavg);
            self.processes.read_since(&mut self.users, newest)
        } else {
            Vec::new()
        };
        let monotonic_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let stat_text = self.files.read("/proc/stat", false).unwrap_or_default();
        let meminfo_text = self.files.read("/proc/meminfo", false).unwrap_or_default();
        let uptime = self.files.read("/proc/uptime", true).unwrap_or_default();
        let net_dev = self.files.read("/proc/net/dev", false).unwrap_or_default();
        let diskstats = when(watched, || {
            self.files
                .read("/proc/diskstats", false)
                .unwrap_or_default()
        });
        let cpu = self.cpu(&stat_text);
        let mut reading = HostReading {
            monotonic_ms,
            hostname: self.hostname.clone(),
            user: self.user.clone(),
            distro: self.distro.clone(),
            kernel: self.kernel.clone(),
            uptime_secs: system::parse_uptime(&uptime),
            load_average: system::parse_loadavg(&loadavg),
            cpu,
            memory: meminfo::parse_meminfo(&meminfo_text),
            disks: self.disks(),
            processes,
            interfaces: netdev::parse_net_dev(&net_dev),
            wireless: self.wireless(),
            disk_io: diskstats::parse_diskstats(&diskstats, diskstats::node_exporter_keeps),
            fans: when(watched, || sysfs::read_fans(&self.fans)),
            thermal_zones: when(watched, || thermal::read_zones(&self.zones)),
            batteries: when(watched, || battery::read_batteries_in(&self.batteries)),
            gpus: when(watched, || self.gpus()),
            node: self.node_reading(request.node, &stat_text, &meminfo_text),
            ..HostReading::default()
        };
        reading.node.hwmon_chips.clone_from(&self.chips);
        // Only the detailed stream shows identity, and its subscribers make samples read processes.
        if request.processes {
            self.identity.fill(&mut reading, Instant::now());
        }
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

/// `read()` if `watched`, else nothing.
fn when<T: Default>(watched: bool, read: impl FnOnce() -> T) -> T {
    if watched { read() } else { T::default() }
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
                files: vfs.f_files,
                files_free: vfs.f_ffree,
                readonly: vfs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY),
                mount_point: m.mount_point.clone(),
                device: m.device.clone(),
                fs_type: m.fs_type.clone(),
            })
        })
        .collect()
}

/// The text of a file, empty when it cannot be read.
fn read(path: &str) -> String {
    read_until(path, false)
}

/// The text of a one-line file (`/proc/uptime`, `/proc/loadavg`): a read that ends the line
/// needs no second read to see the end of the file.
fn read_line(path: &str) -> String {
    read_until(path, true)
}

/// Reads `path` into one buffer with room for the `/proc` files a tick reads: no `stat` for a
/// size hint (procfs reports 0, which is why `fs::read_to_string` stats, then regrows its buffer
/// several times per file); stops at the first newline if `one_line`.
fn read_until(path: &str, one_line: bool) -> String {
    read_file(path, one_line).unwrap_or_default()
}

/// [`read_until`], telling why a file could not be read.
fn read_file(path: &str, one_line: bool) -> Result<String, rustix::io::Errno> {
    let fd = held::open(path)?;
    let mut buf = Vec::with_capacity(4096);
    held::read_from_start(&fd, &mut buf, one_line)?;
    Ok(held::text(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_whole_past_the_first_buffer_and_bad_ones_are_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let long: String = (0..2_000).map(|i| format!("line {i}\n")).collect();
        let path = dir.path().join("long");
        std::fs::write(&path, &long).expect("write");
        assert!(long.len() > 3 * 4096);
        assert_eq!(read(path.to_str().unwrap()), long);
        // One-line mode stops at the end of the line (procfs one-liners end there).
        let one = dir.path().join("one");
        std::fs::write(&one, "12.5 3.0\n").expect("write");
        assert_eq!(read_line(one.to_str().unwrap()), "12.5 3.0\n");
        assert_eq!(read("/nonexistent/file"), "");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"ok \xff end").expect("write");
        assert_eq!(read(bad.to_str().unwrap()), "ok \u{fffd} end");
        // The live files a tick reads parse as before.
        assert!(read("/proc/stat").starts_with("cpu "));
        assert!(system::parse_uptime(&read_line("/proc/uptime")) > 0);
    }

    /// An absent source is not tried every sample: after one look the collector knows what is
    /// there, and skips what is not until [`ABSENT_EVERY`] samples have passed.
    #[test]
    fn absent_sources_are_remembered_and_looked_for_again_rarely() {
        let wireless = Path::new("/proc/net/wireless").exists();
        let cpufreq = Path::new("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq").exists();
        let mut collector = HostCollector::new().expect("collector");
        collector.sample_for(SampleRequest::default());
        assert_eq!(collector.wireless_found, wireless);
        assert_eq!(collector.freqs_found, cpufreq);
        // Pretend the last look found nothing: no sample looks again until the next round.
        collector.wireless_found = false;
        collector.freqs_found = false;
        collector.freqs_mhz.clear();
        while !(collector.samples + 1).is_multiple_of(ABSENT_EVERY) {
            let reading = collector.sample_for(SampleRequest::default());
            assert!(reading.wireless.is_none() && collector.freqs_mhz.is_empty());
        }
        collector.sample_for(SampleRequest::default());
        collector.sample_for(SampleRequest::default());
        assert_eq!(collector.wireless_found, wireless, "looked again");
        assert_eq!(collector.freqs_found, cpufreq, "looked again");
    }

    /// The files every sample reads stay open: a second sample opens none of them again.
    #[test]
    fn host_level_files_are_held_between_samples() {
        let wireless = usize::from(Path::new("/proc/net/wireless").exists());
        let mut collector = HostCollector::new().expect("collector");
        collector.sample_for(SampleRequest::default());
        // stat, meminfo, uptime, loadavg, net/dev (and net/wireless where it is there).
        assert_eq!(collector.files.len(), 5 + wireless);
        let watched = SampleRequest {
            processes: true,
            node: false,
        };
        let first = collector.sample_for(watched);
        assert_eq!(collector.files.len(), 6 + wireless, "diskstats too");
        let second = collector.sample_for(watched);
        assert_eq!(collector.files.len(), 6 + wireless);
        assert!(second.uptime_secs >= first.uptime_secs);
        assert!(second.cpu.total.user >= first.cpu.total.user);
        assert!(!second.interfaces.is_empty() && second.memory.total > 0);
    }

    #[test]
    fn a_sample_for_nobody_skips_what_only_viewers_see() {
        let mut collector = HostCollector::new().expect("collector");
        let idle = collector.sample_for(SampleRequest::default());
        assert!(idle.processes.is_empty());
        assert!(idle.disk_io.is_empty() && idle.fans.is_empty() && idle.thermal_zones.is_empty());
        assert!(idle.batteries.is_empty() && idle.gpus.is_empty());
        // What history records is still there.
        assert!(!idle.cpu.cores.is_empty() && idle.memory.total > 0);
        let watched = collector.sample_for(SampleRequest {
            processes: true,
            node: false,
        });
        assert!(!watched.processes.is_empty());
        let disks =
            diskstats::parse_diskstats(&read("/proc/diskstats"), diskstats::node_exporter_keeps);
        assert_eq!(watched.disk_io.len(), disks.len());
    }
}
