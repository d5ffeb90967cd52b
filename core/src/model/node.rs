//! What node_exporter reports beyond what the views need (DESIGN 6.2): the full `/proc/meminfo`,
//! `/proc/vmstat`, the rest of `/proc/stat`, pressure stall information, file handles, the
//! network class attributes, os-release, clock sources and cpufreq.
//!
//! Every part is optional or a list: a source the host lacks (or that could not be parsed) is
//! absent, and `/metrics` leaves out just those series.

use serde::{Deserialize, Serialize};

/// A named value, in file order (e.g. one `/proc/meminfo` or `/proc/vmstat` line).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The name as node_exporter spells it, e.g. `Active_anon_bytes`, `HugePages_Total`,
    /// `pgfault`.
    pub name: String,
    /// The value in base units (bytes for the `kB` lines of `/proc/meminfo`).
    pub value: f64,
}

/// The counters of `/proc/stat` other than CPU time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelStat {
    /// Boot time, seconds since the epoch (`btime`).
    pub boot_time: u64,
    /// Context switches since boot (`ctxt`).
    pub context_switches: u64,
    /// Forks since boot (`processes`).
    pub forks: u64,
    /// Interrupts serviced since boot (first field of `intr`).
    pub interrupts: u64,
    /// Runnable processes (`procs_running`).
    pub procs_running: u64,
    /// Processes blocked on I/O (`procs_blocked`).
    pub procs_blocked: u64,
}

/// Guest time of one CPU, in clock ticks (the 9th and 10th columns of a `cpuN` line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestTimes {
    /// Time running a guest.
    pub user: u64,
    /// Time running a niced guest.
    pub nice: u64,
}

/// Pressure stall totals of one resource, from `/proc/pressure/<resource>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PressureReading {
    /// `cpu`, `io` or `memory`.
    pub resource: String,
    /// Microseconds some task waited (`some total=`).
    pub some_us: u64,
    /// Microseconds every non-idle task stalled (`full total=`), `None` when absent (cpu on older
    /// kernels).
    pub full_us: Option<u64>,
}

/// File handles, from `/proc/sys/fs/file-nr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFd {
    /// Handles allocated.
    pub allocated: u64,
    /// The system-wide limit.
    pub maximum: u64,
}

/// The attributes of one interface under `/sys/class/net/<device>`; `None` where the file is
/// missing or unreadable (e.g. `carrier` of a device that is down).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetClassReading {
    /// The interface, e.g. `eth0`.
    pub device: String,
    /// `address` (MAC), empty when unreadable.
    pub address: String,
    /// `broadcast`, empty when unreadable.
    pub broadcast: String,
    /// `duplex`, empty when unreadable.
    pub duplex: String,
    /// `ifalias`, empty when unreadable.
    pub ifalias: String,
    /// `operstate`, e.g. `up`, `down`, `unknown`.
    pub operstate: String,
    /// Numeric attributes by node_exporter's family stem, e.g. (`mtu_bytes`, 1500),
    /// (`carrier_changes_total`, 2), in name order.
    pub values: Vec<Field>,
}

/// The clock sources of `/sys/devices/system/clocksource/clocksource<device>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSource {
    /// The number of the `clocksourceN` directory.
    pub device: String,
    /// `available_clocksource`, in file order.
    pub available: Vec<String>,
    /// `current_clocksource`.
    pub current: String,
}

/// cpufreq of one CPU, from `/sys/devices/system/cpu/cpuN/cpufreq`, in hertz.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuFreq {
    /// The CPU number.
    pub cpu: u32,
    /// `scaling_cur_freq`.
    pub scaling_cur: Option<f64>,
    /// `scaling_min_freq`.
    pub scaling_min: Option<f64>,
    /// `scaling_max_freq`.
    pub scaling_max: Option<f64>,
    /// `cpuinfo_min_freq`.
    pub cpuinfo_min: Option<f64>,
    /// `cpuinfo_max_freq`.
    pub cpuinfo_max: Option<f64>,
    /// `scaling_governor`, empty when absent.
    #[serde(default)]
    pub governor: String,
    /// `scaling_available_governors`, in file order.
    #[serde(default)]
    pub governors: Vec<String>,
}

/// One hwmon chip: node_exporter's `chip` label (from the device path, e.g.
/// `platform_coretemp_0`) and its `name` file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HwmonChip {
    /// The `chip` label, e.g. `platform_coretemp_0`, `pci0000:00_0000:00:18_3`.
    pub chip: String,
    /// The `name` file, e.g. `coretemp`.
    pub name: String,
}

/// Everything node_exporter reports that the views do not need.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeReading {
    /// Every `/proc/meminfo` line, in file order.
    #[serde(default)]
    pub meminfo: Vec<Field>,
    /// node_exporter's default `/proc/vmstat` fields (`oom_kill`, `pgpg*`, `pswp*`, `pg*fault*`).
    #[serde(default)]
    pub vmstat: Vec<Field>,
    /// The rest of `/proc/stat`, `None` when it could not be read.
    #[serde(default)]
    pub stat: Option<KernelStat>,
    /// Guest time per CPU, in CPU order.
    #[serde(default)]
    pub cpu_guest: Vec<GuestTimes>,
    /// Pressure stall totals, empty without PSI.
    #[serde(default)]
    pub pressure: Vec<PressureReading>,
    /// File handles, `None` when unreadable.
    #[serde(default)]
    pub filefd: Option<FileFd>,
    /// Every interface's class attributes, in name order.
    #[serde(default)]
    pub netclass: Vec<NetClassReading>,
    /// os-release as key and value pairs (`ID`, `NAME`, `VERSION_ID`, ...), in file order.
    #[serde(default)]
    pub os_release: Vec<(String, String)>,
    /// `uname` fields beyond the reading's: `domainname`, `machine`, `version`.
    #[serde(default)]
    pub uname: Vec<(String, String)>,
    /// Clock sources.
    #[serde(default)]
    pub clocksources: Vec<ClockSource>,
    /// cpufreq per CPU, empty where the host exposes none (many VMs).
    #[serde(default)]
    pub cpufreq: Vec<CpuFreq>,
    /// Every hwmon chip.
    #[serde(default)]
    pub hwmon_chips: Vec<HwmonChip>,
}
