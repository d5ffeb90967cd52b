//! The wire types of PSMonitor v2: the JSON bodies of `/system`, `/network` and the stream frames.
//!
//! Field names, order and units are the contract of DESIGN section 2. Keys the original server
//! lacked are appended after its keys and default when missing, so a client built on these types
//! also reads an original PSMonitor server.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod detail;

pub use detail::{
    BatteryStats, DetailedFrame, DiskInfo, DiskIoStats, FanStats, GpuStats, NetInfo, NetRates,
    ProcessDetail, SensorStats, TempStats, ZoneStats,
};

/// CPU figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuStats {
    /// Percent busy over the last sampling interval, 1 decimal.
    pub usage: f64,
    /// Degrees Celsius from the best CPU sensor, `null` when there is none.
    pub temp: Option<f64>,
    /// Current frequency in MHz, `null` when unknown.
    pub freq: Option<f64>,
    /// Percent busy of each logical CPU over the last sampling interval, 1 decimal.
    #[serde(default)]
    pub cores: Vec<f64>,
    /// Load average over 1, 5 and 15 minutes, 2 decimals.
    #[serde(default)]
    pub load: [f64; 3],
}

/// Used, free and total of memory, swap or a disk, in GiB (labelled GB), 2 decimals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageStats {
    /// Total GiB.
    pub total: f64,
    /// Used GiB.
    pub used: f64,
    /// Free GiB.
    pub free: f64,
    /// Percent used, 1 decimal.
    pub percent: f64,
}

/// One mounted filesystem, in GiB.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiskStats {
    /// Mount point.
    pub mount: String,
    /// Device.
    pub device: String,
    /// Filesystem type.
    pub fs: String,
    /// Total GiB, 2 decimals.
    pub total: f64,
    /// Used GiB, 2 decimals.
    pub used: f64,
    /// Free GiB available to unprivileged users, 2 decimals.
    pub free: f64,
    /// Percent used, 1 decimal.
    pub percent: f64,
}

/// Platform details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlatformInfo {
    /// `PRETTY_NAME` from os-release.
    pub distro: String,
    /// Kernel release.
    pub kernel: String,
    /// Uptime as `"2 days, 3 hrs, 1 min, 5 secs"`.
    pub uptime: String,
    /// Host name.
    #[serde(default)]
    pub hostname: String,
}

/// One row of the top-processes list: a group of processes sharing a name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessStats {
    /// The group's lowest pid.
    pub pid: u32,
    /// The shared name.
    pub name: String,
    /// The owners, sorted and joined by `", "`.
    pub username: String,
    /// Resident memory of the group in MiB, 2 decimals.
    pub mem: f64,
    /// CPU of the group in percent of one core over the last interval, 1 decimal; `null` when
    /// no member was seen in the previous reading.
    #[serde(default)]
    pub cpu: Option<f64>,
}

/// The body of `GET /system`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemSnapshot {
    /// CPU figures.
    pub cpu: CpuStats,
    /// Memory; `percent` is (total - available) / total.
    pub mem: UsageStats,
    /// The root filesystem.
    pub disk: UsageStats,
    /// The account the server runs as.
    pub user: String,
    /// Platform details.
    pub platform: PlatformInfo,
    /// Top 10 process groups by resident memory.
    pub processes: Vec<ProcessStats>,
    /// Swap, all zero when the host has none.
    #[serde(default)]
    pub swap: UsageStats,
    /// Every mounted filesystem.
    #[serde(default)]
    pub disks: Vec<DiskStats>,
    /// I/O rates of each block device.
    #[serde(default)]
    pub disk_io: Vec<DiskIoStats>,
    /// Every sensor.
    #[serde(default)]
    pub sensors: SensorStats,
    /// Every GPU (empty when none).
    #[serde(default)]
    pub gpus: Vec<GpuStats>,
    /// Every battery (empty when none).
    #[serde(default)]
    pub battery: Vec<BatteryStats>,
}

/// One websocket stream frame: the system snapshot without `user` and `platform`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamFrame {
    /// CPU figures.
    pub cpu: CpuStats,
    /// Memory.
    pub mem: UsageStats,
    /// The root filesystem.
    pub disk: UsageStats,
    /// Uptime text.
    pub uptime: String,
    /// Top 10 process groups by resident memory.
    pub processes: Vec<ProcessStats>,
    /// Swap.
    #[serde(default)]
    pub swap: UsageStats,
}

/// Counters of one interface since boot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InterfaceStats {
    /// MiB sent, unrounded.
    pub mb_sent: f64,
    /// MiB received, unrounded.
    pub mb_received: f64,
    /// Packets sent.
    pub pk_sent: u64,
    /// Packets received.
    pub pk_received: u64,
    /// Receive errors.
    pub error_in: u64,
    /// Transmit errors.
    pub error_out: u64,
    /// Outgoing packets dropped.
    pub dropout: u64,
    /// Incoming packets dropped.
    #[serde(default)]
    pub dropin: u64,
    /// Bytes sent per second over the last sampling interval.
    #[serde(default)]
    pub tx_bytes_per_sec: f64,
    /// Bytes received per second over the last sampling interval.
    #[serde(default)]
    pub rx_bytes_per_sec: f64,
}

/// The wireless link as shown on the wire; every field is text, `"N/A"` when unknown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WirelessStats {
    /// Interface name.
    pub name: String,
    /// Link quality, e.g. `"58/70"`.
    pub quality: String,
    /// Channel, e.g. `"36"`.
    pub channel: String,
    /// Encryption, e.g. `"WPA2"`.
    pub encryption: String,
    /// Access point address.
    pub address: String,
    /// Signal level, e.g. `"-52 dBm"`.
    pub signal: String,
}

/// The body of `GET /network`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSnapshot {
    /// Interface names in the host's order.
    pub interfaces: Vec<String>,
    /// The wireless link, encoded as the string `"N/A"` when there is none.
    #[serde(with = "wireless_or_na")]
    pub wireless: Option<WirelessStats>,
    /// Counters per interface, by name.
    pub statistics: BTreeMap<String, InterfaceStats>,
}

/// The literal that stands for a missing wireless link or value.
pub const NOT_AVAILABLE: &str = "N/A";

mod wireless_or_na {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Link(WirelessStats),
        Text(serde::de::IgnoredAny),
    }

    pub fn serialize<S: Serializer>(
        value: &Option<WirelessStats>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(link) => link.serialize(s),
            None => s.serialize_str(NOT_AVAILABLE),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WirelessStats>, D::Error> {
        Ok(match Either::deserialize(d)? {
            Either::Link(link) => Some(link),
            Either::Text(_) => None,
        })
    }
}
