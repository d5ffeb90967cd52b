//! Raw host readings: what the collector reads from the host, in base units (bytes, ticks, seconds).
//!
//! A [`HostReading`] holds counters, not rates: CPU usage and network rates are derived from two
//! readings by [`crate::snapshot`]. Fixture files under `fixtures/hosts/` are [`HostRecording`]s.

use serde::{Deserialize, Serialize};

mod devices;
mod node;

pub use devices::{BlockDeviceReading, IpAddressReading, NetDeviceReading};

pub use node::{
    ClockSource, CpuFreq, Field, FileFd, GuestTimes, HwmonChip, KernelStat, NetClassReading,
    NodeReading, PressureReading,
};

/// Cumulative CPU time counters of one CPU (or of all CPUs together), in clock ticks, as in `/proc/stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuTimes {
    /// Time in user mode.
    pub user: u64,
    /// Time in user mode with low priority.
    pub nice: u64,
    /// Time in kernel mode.
    pub system: u64,
    /// Time idle.
    pub idle: u64,
    /// Time waiting for I/O (counted as idle).
    pub iowait: u64,
    /// Time servicing interrupts.
    pub irq: u64,
    /// Time servicing soft interrupts.
    pub softirq: u64,
    /// Time stolen by the hypervisor.
    pub steal: u64,
}

/// One temperature sensor, as found under `/sys/class/hwmon`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TempSensor {
    /// The hwmon chip name, e.g. `coretemp`, `k10temp`, `cpu_thermal`, `nvme`, `acpitz`.
    pub chip: String,
    /// The sensor label, e.g. `Package id 0`, `Tctl`, `Core 0`; empty when the sensor has none.
    pub label: String,
    /// The reading in degrees Celsius.
    pub celsius: f64,
    /// node_exporter's `chip` label, from the device path (e.g. `platform_coretemp_0`); empty in
    /// readings from before it was recorded.
    #[serde(default)]
    pub chip_id: String,
    /// The input's file prefix, node_exporter's `sensor` label (e.g. `temp1`); empty in readings
    /// from before it was recorded.
    #[serde(default)]
    pub sensor: String,
}

/// CPU counters, frequency and temperature sensors.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuReading {
    /// Counters summed over every CPU.
    pub total: CpuTimes,
    /// Counters of each logical CPU, in CPU order.
    pub cores: Vec<CpuTimes>,
    /// Current frequency in MHz, `None` when the host exposes none (many VMs).
    pub freq_mhz: Option<f64>,
    /// Every temperature sensor found, CPU or not; the snapshot picks the best CPU one.
    pub sensors: Vec<TempSensor>,
}

/// Memory and swap, in bytes, as in `/proc/meminfo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryReading {
    /// `MemTotal`.
    pub total: u64,
    /// `MemFree`.
    pub free: u64,
    /// `MemAvailable`.
    pub available: u64,
    /// `Buffers`.
    pub buffers: u64,
    /// `Cached` plus `SReclaimable`.
    pub cached: u64,
    /// `SwapTotal`.
    pub swap_total: u64,
    /// `SwapFree`.
    pub swap_free: u64,
}

/// One mounted filesystem, in bytes, as `statvfs` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskReading {
    /// Where it is mounted, e.g. `/`.
    pub mount_point: String,
    /// The device, e.g. `/dev/vda1`.
    pub device: String,
    /// The filesystem type, e.g. `ext4`.
    pub fs_type: String,
    /// Size of the filesystem (`f_blocks * f_frsize`).
    pub total: u64,
    /// Free space including the part reserved for root (`f_bfree * f_frsize`).
    pub free: u64,
    /// Free space available to unprivileged users (`f_bavail * f_frsize`).
    pub available: u64,
    /// Inodes in total (`f_files`).
    #[serde(default)]
    pub files: u64,
    /// Free inodes (`f_ffree`).
    #[serde(default)]
    pub files_free: u64,
    /// Mounted read-only (`ST_RDONLY`).
    #[serde(default)]
    pub readonly: bool,
}

/// One process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessReading {
    /// Process id.
    pub pid: u32,
    /// Process name (`comm`, or the executable's name).
    pub name: String,
    /// The owner's user name, or the numeric uid as text when it has no name.
    pub user: String,
    /// Resident set size in bytes.
    pub rss: u64,
    /// CPU time used so far (user plus system), in milliseconds; per-process CPU percent is derived
    /// from two readings of the same pid.
    #[serde(default)]
    pub cpu_ms: u64,
    /// Threads in the process (0 when unknown).
    #[serde(default)]
    pub threads: u32,
}

/// Cumulative counters of one network interface since boot, as in `/proc/net/dev`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceReading {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received.
    pub packets_received: u64,
    /// Receive errors.
    pub errors_in: u64,
    /// Transmit errors.
    pub errors_out: u64,
    /// Incoming packets dropped.
    pub drops_in: u64,
    /// Outgoing packets dropped.
    pub drops_out: u64,
    /// The other `/proc/net/dev` columns, by node_exporter's name: `receive_fifo`,
    /// `receive_frame`, `receive_compressed`, `receive_multicast`, `transmit_fifo`,
    /// `transmit_colls`, `transmit_carrier`, `transmit_compressed`.
    #[serde(default)]
    pub other: Vec<(String, u64)>,
}

/// The wireless link, from `/proc/net/wireless` and the interface's sysfs entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WirelessReading {
    /// Interface name, e.g. `wlan0`.
    pub name: String,
    /// Link quality as reported (usually out of 70).
    pub link_quality: f64,
    /// Signal level in dBm.
    pub signal_dbm: f64,
    /// Channel number, when known.
    pub channel: Option<u32>,
    /// Encryption, e.g. `WPA2`, when known.
    pub encryption: Option<String>,
    /// The access point's MAC address, when known.
    pub address: Option<String>,
}

/// Cumulative I/O counters of one block device since boot, as in `/proc/diskstats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskIoReading {
    /// Device name, e.g. `nvme0n1`, `sda`.
    pub name: String,
    /// Bytes read (sectors read times 512).
    pub read_bytes: u64,
    /// Bytes written (sectors written times 512).
    pub written_bytes: u64,
    /// Milliseconds the device had I/O in flight (`io_ticks`); busy percent is derived from it.
    pub busy_ms: u64,
    /// The other `/proc/diskstats` columns, `None` for an older reading: see [`DiskStats`].
    #[serde(default)]
    pub stats: Option<DiskStats>,
}

/// The `/proc/diskstats` columns node_exporter reports besides sectors and `io_ticks`; the
/// discard and flush columns are `None` on kernels that lack them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskStats {
    /// Reads completed.
    pub reads_completed: u64,
    /// Reads merged.
    pub reads_merged: u64,
    /// Milliseconds spent reading.
    pub read_ms: u64,
    /// Writes completed.
    pub writes_completed: u64,
    /// Writes merged.
    pub writes_merged: u64,
    /// Milliseconds spent writing.
    pub write_ms: u64,
    /// I/Os in flight now.
    pub io_now: u64,
    /// Weighted milliseconds doing I/O.
    pub weighted_ms: u64,
    /// Discards completed, merged, sectors discarded and milliseconds discarding (kernel 4.18+).
    pub discards: Option<[u64; 4]>,
    /// Flush requests completed and milliseconds flushing (kernel 5.5+).
    pub flushes: Option<[u64; 2]>,
}

/// One fan, as found under `/sys/class/hwmon`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FanSensor {
    /// The hwmon chip name, e.g. `nct6798`, `thinkpad`, `amdgpu`.
    pub chip: String,
    /// The `fan*_label`, empty when the fan has none.
    pub label: String,
    /// Revolutions per minute.
    pub rpm: f64,
    /// node_exporter's `chip` label (see [`TempSensor::chip_id`]); empty in older readings.
    #[serde(default)]
    pub chip_id: String,
    /// The input's file prefix (e.g. `fan1`); empty in older readings.
    #[serde(default)]
    pub sensor: String,
}

/// One thermal zone, as found under `/sys/class/thermal`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThermalZone {
    /// The zone directory, e.g. `thermal_zone0`.
    pub zone: String,
    /// Its `type`, e.g. `x86_pkg_temp`, `acpitz`, `cpu-thermal`.
    pub kind: String,
    /// The reading in degrees Celsius.
    pub celsius: f64,
}

/// One battery, from `/sys/class/power_supply`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatteryReading {
    /// The supply's name, e.g. `BAT0`.
    pub name: String,
    /// Charge in percent (`capacity`), `None` when not exposed.
    pub percent: Option<f64>,
    /// `status` as the kernel writes it: `Charging`, `Discharging`, `Full`, `Not charging`,
    /// `Unknown` (empty when absent).
    pub state: String,
    /// Power draw in watts (`power_now`, or `current_now` times `voltage_now`), `None` when not
    /// exposed.
    pub power_watts: Option<f64>,
}

/// One GPU, from the DRM sysfs entries (AMD, Intel) or NVML (NVIDIA). Values a driver does not
/// expose, or fails to report, are `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    /// `AMD`, `Intel`, `NVIDIA`, or the PCI vendor id as text.
    pub vendor: String,
    /// The product name when known (NVML), else the DRM card, e.g. `card0`.
    pub name: String,
    /// The kernel driver, e.g. `amdgpu`, `i915`, `xe`, `nvidia`.
    pub driver: String,
    /// The PCI address, e.g. `0000:03:00.0`, empty when unknown.
    #[serde(default)]
    pub bus: String,
    /// Percent busy.
    pub busy_percent: Option<f64>,
    /// Video memory in use, bytes.
    pub vram_used: Option<u64>,
    /// Video memory in total, bytes.
    pub vram_total: Option<u64>,
    /// Temperature in degrees Celsius.
    pub celsius: Option<f64>,
    /// Power draw in watts.
    pub power_watts: Option<f64>,
}

/// Everything the collector reads from the host at one instant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostReading {
    /// Milliseconds on the sampler's monotonic clock when this reading was taken; the difference
    /// between two readings is the time their rates are over (0 when unknown).
    #[serde(default)]
    pub monotonic_ms: u64,
    /// The host name.
    pub hostname: String,
    /// The account the server runs as.
    pub user: String,
    /// `PRETTY_NAME` from os-release.
    pub distro: String,
    /// Kernel release, e.g. `6.1.0-18-amd64`.
    pub kernel: String,
    /// Seconds since boot.
    pub uptime_secs: u64,
    /// Load average over 1, 5 and 15 minutes.
    pub load_average: [f64; 3],
    /// CPU counters, frequency and sensors.
    pub cpu: CpuReading,
    /// Memory and swap.
    pub memory: MemoryReading,
    /// Every mounted filesystem; the one mounted at `/` is the root disk.
    pub disks: Vec<DiskReading>,
    /// Every process.
    pub processes: Vec<ProcessReading>,
    /// Every network interface.
    pub interfaces: Vec<InterfaceReading>,
    /// The wireless link, `None` when the host has none.
    pub wireless: Option<WirelessReading>,
    /// Cumulative I/O counters of each block device (whole disks, not partitions).
    #[serde(default)]
    pub disk_io: Vec<DiskIoReading>,
    /// Every hwmon fan.
    #[serde(default)]
    pub fans: Vec<FanSensor>,
    /// Every thermal zone under `/sys/class/thermal`.
    #[serde(default)]
    pub thermal_zones: Vec<ThermalZone>,
    /// Every battery, empty when the host has none.
    #[serde(default)]
    pub batteries: Vec<BatteryReading>,
    /// Every GPU found, empty when none (or no driver answers).
    #[serde(default)]
    pub gpus: Vec<GpuReading>,
    /// What only `/metrics` reports, under node_exporter's names (DESIGN 6.2).
    #[serde(default)]
    pub node: NodeReading,
    /// The identity (model, size) of each block device of [`Self::disk_io`]; empty in readings
    /// from before it was recorded.
    #[serde(default)]
    pub block_devices: Vec<BlockDeviceReading>,
    /// The identity (MAC, addresses, link speed) of each network interface, in name order; empty
    /// in readings from before it was recorded.
    #[serde(default)]
    pub net_devices: Vec<NetDeviceReading>,
}

/// A recorded sequence of readings taken `interval_ms` apart: the format of `fixtures/hosts/*.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostRecording {
    /// What this recording shows, e.g. `desktop with coretemp and wifi`.
    pub description: String,
    /// Milliseconds between consecutive readings.
    pub interval_ms: u64,
    /// At least two readings, oldest first.
    pub readings: Vec<HostReading>,
}
