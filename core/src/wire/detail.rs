//! The wire types added for the detailed stream (DESIGN 5.7): per-disk I/O, sensors, GPUs,
//! batteries and per-process rows. `GET /system` carries the same values under the same keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CpuStats, DiskStats, ProcessStats, UsageStats};

/// I/O rates of one block device over the last sampling interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiskIoStats {
    /// Device name, e.g. `nvme0n1`.
    pub name: String,
    /// Bytes read per second, 1 decimal.
    pub read_bytes_per_sec: f64,
    /// Bytes written per second, 1 decimal.
    pub write_bytes_per_sec: f64,
    /// Percent of the interval the device had I/O in flight, 1 decimal; `null` without a
    /// previous reading of the device.
    pub busy_percent: Option<f64>,
}

/// One temperature sensor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TempStats {
    /// The hwmon chip, e.g. `k10temp`.
    pub chip: String,
    /// The sensor label, empty when it has none.
    pub label: String,
    /// Degrees Celsius, 1 decimal.
    pub celsius: f64,
}

/// One fan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FanStats {
    /// The hwmon chip, e.g. `nct6798`.
    pub chip: String,
    /// The fan label, empty when it has none.
    pub label: String,
    /// Revolutions per minute.
    pub rpm: f64,
}

/// One thermal zone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoneStats {
    /// The zone, e.g. `thermal_zone0`.
    pub zone: String,
    /// Its type, e.g. `x86_pkg_temp`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Degrees Celsius, 1 decimal.
    pub celsius: f64,
}

/// Every sensor of the host.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SensorStats {
    /// Every hwmon temperature sensor.
    pub temps: Vec<TempStats>,
    /// Every hwmon fan.
    pub fans: Vec<FanStats>,
    /// Every thermal zone.
    pub zones: Vec<ZoneStats>,
}

/// One GPU; a value the driver does not expose or failed to report is `null`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuStats {
    /// `AMD`, `Intel`, `NVIDIA`, or the PCI vendor id.
    pub vendor: String,
    /// Product name (NVIDIA) or DRM card (`card0`).
    pub name: String,
    /// Kernel driver.
    pub driver: String,
    /// PCI address.
    pub bus: String,
    /// Percent busy, 1 decimal.
    pub busy: Option<f64>,
    /// Video memory used in MiB, 2 decimals.
    pub vram_used: Option<f64>,
    /// Video memory in total in MiB, 2 decimals.
    pub vram_total: Option<f64>,
    /// Degrees Celsius, 1 decimal.
    pub temp: Option<f64>,
    /// Power draw in watts, 1 decimal.
    pub power: Option<f64>,
}

/// One battery.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatteryStats {
    /// Supply name, e.g. `BAT0`.
    pub name: String,
    /// Charge in percent, 1 decimal.
    pub percent: Option<f64>,
    /// `Charging`, `Discharging`, `Full`, `Not charging`, `Unknown`, or empty.
    pub state: String,
    /// Power draw in watts, 2 decimals.
    pub power: Option<f64>,
}

/// One process (not grouped) of the detailed stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessDetail {
    /// Process id.
    pub pid: u32,
    /// Name.
    pub name: String,
    /// Owner.
    pub username: String,
    /// Resident memory in MiB, 2 decimals.
    pub mem: f64,
    /// Percent of one core over the last interval, 1 decimal; `null` for a process not seen in
    /// the previous reading.
    pub cpu: Option<f64>,
    /// Threads.
    pub threads: u32,
}

/// Rates of one network interface over the last sampling interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetRates {
    /// Bytes received per second, 1 decimal.
    pub rx_bytes_per_sec: f64,
    /// Bytes sent per second, 1 decimal.
    pub tx_bytes_per_sec: f64,
}

/// What one block device is; a value the host does not expose is `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskInfo {
    /// Device name, as in [`DiskIoStats::name`].
    pub name: String,
    /// Model, e.g. `Samsung SSD 980 PRO 1TB`.
    pub model: Option<String>,
    /// Vendor, e.g. `ATA`, or a PCI id such as `0x1af4`.
    pub vendor: Option<String>,
    /// Capacity in bytes.
    pub size: Option<u64>,
    /// A spinning disk.
    pub rotational: Option<bool>,
    /// A removable medium.
    pub removable: Option<bool>,
}

/// What one network interface is; a value the host does not expose is `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetInfo {
    /// Interface name, as in the keys of [`DetailedFrame::net`].
    pub name: String,
    /// MAC address, e.g. `02:fc:00:00:00:01`.
    pub mac: Option<String>,
    /// IPv4 addresses with prefix, e.g. `192.0.2.2/24`.
    pub ipv4: Vec<String>,
    /// IPv6 addresses with prefix, e.g. `fd00::2/64`.
    pub ipv6: Vec<String>,
    /// Link speed in Mbit/s; `null` when unknown (virtual, wireless or down links).
    pub speed_mbps: Option<u64>,
    /// MTU in bytes.
    pub mtu: Option<u64>,
    /// Operational state: `up`, `down`, `unknown`, ...
    pub operstate: Option<String>,
}

/// The frame of `/connect?...&detail=full`: every key of the classic frame, in its order,
/// then the detailed ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetailedFrame {
    /// CPU figures, with per-core usage.
    pub cpu: CpuStats,
    /// Memory.
    pub mem: UsageStats,
    /// The root filesystem.
    pub disk: UsageStats,
    /// Uptime text.
    pub uptime: String,
    /// Top 10 process groups by resident memory (with `cpu`).
    pub processes: Vec<ProcessStats>,
    /// Swap.
    pub swap: UsageStats,
    /// Every mounted filesystem.
    pub disks: Vec<DiskStats>,
    /// I/O rates of each block device.
    pub disk_io: Vec<DiskIoStats>,
    /// Rates of each network interface, by name.
    pub net: BTreeMap<String, NetRates>,
    /// Every sensor.
    pub sensors: SensorStats,
    /// Every GPU (empty when none).
    pub gpus: Vec<GpuStats>,
    /// Every battery (empty when none).
    pub battery: Vec<BatteryStats>,
    /// The top 50 processes by CPU together with the top 50 by memory, busiest first.
    pub procs: Vec<ProcessDetail>,
    /// What each block device of `disk_io` is (model, size); empty from servers before it.
    #[serde(default)]
    pub disk_info: Vec<DiskInfo>,
    /// What each network interface is (MAC, addresses, link speed), in name order; empty from
    /// servers before it.
    #[serde(default)]
    pub net_info: Vec<NetInfo>,
}
