//! What a device is, as opposed to what it does: a block device's model and size, a network
//! interface's MAC, addresses and link speed. These change rarely, so the collector reads them
//! every half minute (or when a device comes or goes), not every sample.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The identity of one block device, from `/sys/block/<name>`; `None` where the file is missing,
/// empty or malformed (a virtio disk has no `device/model`, a zram device no `device` at all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockDeviceReading {
    /// Device name, e.g. `nvme0n1`, as in [`super::DiskIoReading::name`].
    pub name: String,
    /// `device/model`, trimmed, e.g. `Samsung SSD 980 PRO 1TB`.
    #[serde(default)]
    pub model: Option<String>,
    /// `device/vendor`, trimmed, e.g. `ATA` or the PCI id `0x1af4`.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Capacity in bytes (`size`, counted in 512-byte sectors).
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// `queue/rotational`: a spinning disk.
    #[serde(default)]
    pub rotational: Option<bool>,
    /// `removable`.
    #[serde(default)]
    pub removable: Option<bool>,
}

/// One IP address of an interface, with its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAddressReading {
    /// The address, IPv4 or IPv6.
    pub address: IpAddr,
    /// Prefix length in bits, e.g. 24.
    pub prefix: u8,
}

/// The identity of one network interface: `/sys/class/net/<name>` and its addresses; `None`
/// where the file is missing or unreadable (the kernel answers `EINVAL` for `speed` of a device
/// that is down or virtual).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetDeviceReading {
    /// Interface name, e.g. `eth0`, as in [`super::InterfaceReading::name`].
    pub name: String,
    /// `address`, the MAC, e.g. `02:fc:00:00:00:01`.
    #[serde(default)]
    pub mac: Option<String>,
    /// Every IPv4 and IPv6 address, IPv4 first, in the order the kernel lists them.
    #[serde(default)]
    pub addresses: Vec<IpAddressReading>,
    /// `speed` in Mbit/s; `None` when unreadable or unknown (the kernel's -1).
    #[serde(default)]
    pub speed_mbps: Option<u64>,
    /// `mtu` in bytes.
    #[serde(default)]
    pub mtu: Option<u64>,
    /// `operstate`, e.g. `up`, `down`, `unknown`.
    #[serde(default)]
    pub operstate: Option<String>,
}
