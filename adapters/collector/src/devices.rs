//! What each device is: a block device's model, vendor, size and kind from `/sys/block`, a
//! network interface's MAC, MTU, state and link speed from `/sys/class/net` (through the
//! node_exporter netclass reader) and its IP addresses from `getifaddrs`.
//!
//! These change when a disk or cable is plugged or a lease renewed, not every second: a
//! [`DeviceIdentity`] re-reads them every [`REFRESH`], or at once when the set of devices in the
//! sample changes, and hands out the kept lists in between. Nothing here is per process. Of
//! the interface attributes only the text ones and `mtu` and `speed` are read
//! ([`netclass::IDENTITY`]).

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::socket::SockaddrStorage;
use psmonitor_core::model::{
    BlockDeviceReading, HostReading, IpAddressReading, NetClassReading, NetDeviceReading,
};

use crate::node::netclass;

/// How long the identities are kept before they are read again.
pub const REFRESH: Duration = Duration::from_secs(30);

/// Reads the identity of block device `name` under `root` (normally `/sys/block`); files that
/// are missing, empty or malformed give `None`.
pub fn read_block_device(root: &Path, name: &str) -> BlockDeviceReading {
    let dir = root.join(name);
    let text = |file: &str| {
        fs::read_to_string(dir.join(file))
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let flag = |file: &str| match text(file).as_deref() {
        Some("0") => Some(false),
        Some("1") => Some(true),
        _ => None,
    };
    BlockDeviceReading {
        name: name.to_owned(),
        model: text("device/model"),
        vendor: text("device/vendor"),
        size_bytes: text("size")
            .and_then(|t| t.parse::<u64>().ok())
            .map(|sectors| sectors.saturating_mul(512)),
        rotational: flag("queue/rotational"),
        removable: flag("removable"),
    }
}

/// The identity of one interface from its class attributes and the host's `addresses` (by
/// interface name); a speed of -1 (unknown) is `None`.
pub fn net_device(
    class: &NetClassReading,
    addresses: &[(String, IpAddressReading)],
) -> NetDeviceReading {
    let value = |name: &str| {
        class
            .values
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    };
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked >= 0, whole
    let whole = |v: f64| (v >= 0.0 && v.is_finite()).then_some(v.round() as u64);
    NetDeviceReading {
        name: class.device.clone(),
        mac: nonempty(&class.address),
        addresses: addresses
            .iter()
            .filter(|(name, _)| *name == class.device)
            .map(|&(_, a)| a)
            .collect(),
        // The netclass reader gives bytes per second, as node_exporter does; back to Mbit/s.
        speed_mbps: value("speed_bytes").and_then(|b| whole(b * 8.0 / 1_000_000.0)),
        mtu: value("mtu_bytes").and_then(whole),
        operstate: nonempty(&class.operstate),
    }
}

/// One interface address as an IP address and prefix; `None` for other families (`AF_PACKET`).
pub fn ip_address(
    address: &SockaddrStorage,
    netmask: Option<&SockaddrStorage>,
) -> Option<IpAddressReading> {
    let prefix_of = |ones: u32| u8::try_from(ones).unwrap_or(u8::MAX);
    if let Some(v4) = address.as_sockaddr_in() {
        let bits = netmask
            .and_then(SockaddrStorage::as_sockaddr_in)
            .map_or(32, |m| u32::from(m.ip()).count_ones());
        return Some(IpAddressReading {
            address: IpAddr::V4(v4.ip()),
            prefix: prefix_of(bits),
        });
    }
    let v6 = address.as_sockaddr_in6()?;
    let bits = netmask
        .and_then(SockaddrStorage::as_sockaddr_in6)
        .map_or(128, |m| u128::from(m.ip()).count_ones());
    Some(IpAddressReading {
        address: IpAddr::V6(v6.ip()),
        prefix: prefix_of(bits),
    })
}

/// Every IP address of the host by interface name, IPv4 first; none when `getifaddrs` fails.
pub fn host_addresses() -> Vec<(String, IpAddressReading)> {
    let Ok(all) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut addresses: Vec<(String, IpAddressReading)> = all
        .filter_map(|a| {
            let ip = ip_address(a.address.as_ref()?, a.netmask.as_ref())?;
            Some((a.interface_name, ip))
        })
        .collect();
    addresses.sort_by_key(|(_, a)| a.address.is_ipv6());
    addresses
}

/// Keeps the device identities of the host and re-reads them every [`REFRESH`], or when the
/// devices of a sample differ from those of the last read.
#[derive(Debug)]
pub struct DeviceIdentity {
    block_root: PathBuf,
    net_root: PathBuf,
    addresses: fn() -> Vec<(String, IpAddressReading)>,
    read_at: Option<Instant>,
    /// The block devices and interfaces of the sample they were last read for.
    seen: (Vec<String>, Vec<String>),
    block: Vec<BlockDeviceReading>,
    net: Vec<NetDeviceReading>,
}

impl DeviceIdentity {
    /// Reads the live host: `/sys/block`, `/sys/class/net` and `getifaddrs`.
    #[must_use]
    pub fn new() -> Self {
        Self::reading(
            PathBuf::from("/sys/block"),
            PathBuf::from("/sys/class/net"),
            host_addresses,
        )
    }

    /// Reads block devices under `block_root`, interfaces under `net_root` and the addresses
    /// `addresses` gives.
    #[must_use]
    pub fn reading(
        block_root: PathBuf,
        net_root: PathBuf,
        addresses: fn() -> Vec<(String, IpAddressReading)>,
    ) -> Self {
        Self {
            block_root,
            net_root,
            addresses,
            read_at: None,
            seen: (Vec::new(), Vec::new()),
            block: Vec::new(),
            net: Vec::new(),
        }
    }

    /// Sets `reading`'s block devices (those of its `disk_io`) and interfaces, read again when
    /// [`REFRESH`] has passed since the last read or its devices changed.
    pub fn fill(&mut self, reading: &mut HostReading, now: Instant) {
        let disks = reading.disk_io.iter().map(|d| d.name.as_str());
        let interfaces = reading.interfaces.iter().map(|i| i.name.as_str());
        let changed = !disks.eq(self.seen.0.iter().map(String::as_str))
            || !interfaces.eq(self.seen.1.iter().map(String::as_str));
        let due = self
            .read_at
            .is_none_or(|at| now.saturating_duration_since(at) >= REFRESH);
        if changed || due {
            self.read(reading, now);
        }
        reading.block_devices.clone_from(&self.block);
        reading.net_devices.clone_from(&self.net);
    }

    fn read(&mut self, reading: &HostReading, now: Instant) {
        self.seen = (
            reading.disk_io.iter().map(|d| d.name.clone()).collect(),
            reading.interfaces.iter().map(|i| i.name.clone()).collect(),
        );
        self.block = self
            .seen
            .0
            .iter()
            .map(|name| read_block_device(&self.block_root, name))
            .collect();
        let addresses = (self.addresses)();
        self.net = netclass::read_netclass_with(&self.net_root, netclass::IDENTITY)
            .iter()
            .map(|class| net_device(class, &addresses))
            .collect();
        self.read_at = Some(now);
    }
}

impl Default for DeviceIdentity {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write;
    use psmonitor_core::model::{DiskIoReading, InterfaceReading};

    /// A `/sys` with an NVMe disk that has every file, a zram device with only `size`, a wired
    /// link at 1000 Mbit/s and a down one whose `speed` is unreadable.
    fn sys() -> tempfile::TempDir {
        let sys = tempfile::tempdir().unwrap();
        let nvme = sys.path().join("block/nvme0n1");
        for (file, text) in [
            ("size", "1953525168\n"),
            ("removable", "0\n"),
            ("queue/rotational", "0\n"),
            ("device/model", "Samsung SSD 980 PRO 1TB                 \n"),
        ] {
            write(&nvme, file, text);
        }
        write(&sys.path().join("block/zram0"), "size", "0\n");
        let eth0 = sys.path().join("net/eth0");
        for (file, text) in [
            ("address", "02:fc:00:00:00:01\n"),
            ("operstate", "up\n"),
            ("mtu", "1500\n"),
            ("speed", "1000\n"),
        ] {
            write(&eth0, file, text);
        }
        let eth1 = sys.path().join("net/eth1");
        write(&eth1, "address", "02:fc:00:00:00:02\n");
        write(&eth1, "operstate", "down\n");
        write(&eth1, "speed", "-1\n");
        sys
    }

    fn addresses() -> Vec<(String, IpAddressReading)> {
        let ip = |a: &str, prefix| IpAddressReading {
            address: a.parse().unwrap(),
            prefix,
        };
        vec![
            ("eth0".into(), ip("192.0.2.2", 24)),
            ("eth0".into(), ip("fd00::2", 64)),
            ("wlan0".into(), ip("10.0.0.5", 8)),
        ]
    }

    fn sample(disks: &[&str], interfaces: &[&str]) -> HostReading {
        HostReading {
            disk_io: disks
                .iter()
                .map(|n| DiskIoReading {
                    name: (*n).into(),
                    ..DiskIoReading::default()
                })
                .collect(),
            interfaces: interfaces
                .iter()
                .map(|n| InterfaceReading {
                    name: (*n).into(),
                    ..InterfaceReading::default()
                })
                .collect(),
            ..HostReading::default()
        }
    }

    fn identity(sys: &Path) -> DeviceIdentity {
        DeviceIdentity::reading(sys.join("block"), sys.join("net"), addresses)
    }

    #[test]
    fn reads_model_size_kind_and_leaves_missing_files_none() {
        let sys = sys();
        let mut reading = sample(&["nvme0n1", "zram0", "sdz"], &["eth0", "eth1"]);
        identity(sys.path()).fill(&mut reading, Instant::now());
        let [nvme, zram, gone] = &reading.block_devices[..] else {
            panic!("one per disk_io device: {:?}", reading.block_devices);
        };
        assert_eq!(nvme.model.as_deref(), Some("Samsung SSD 980 PRO 1TB"));
        assert_eq!(nvme.vendor, None, "NVMe has no device/vendor");
        assert_eq!(nvme.size_bytes, Some(1_953_525_168 * 512));
        assert_eq!(
            (nvme.rotational, nvme.removable),
            (Some(false), Some(false))
        );
        assert_eq!(zram.size_bytes, Some(0));
        assert_eq!((zram.model.as_deref(), zram.rotational), (None, None));
        assert_eq!(
            gone,
            &BlockDeviceReading {
                name: "sdz".into(),
                ..BlockDeviceReading::default()
            }
        );
    }

    #[test]
    fn reads_mac_addresses_speed_and_an_unknown_speed_is_none() {
        let sys = sys();
        let mut reading = sample(&[], &["eth0", "eth1"]);
        identity(sys.path()).fill(&mut reading, Instant::now());
        let [eth0, eth1] = &reading.net_devices[..] else {
            panic!("two interfaces: {:?}", reading.net_devices);
        };
        assert_eq!(eth0.mac.as_deref(), Some("02:fc:00:00:00:01"));
        assert_eq!(eth0.speed_mbps, Some(1000));
        assert_eq!(eth0.mtu, Some(1500));
        assert_eq!(eth0.operstate.as_deref(), Some("up"));
        let shown: Vec<String> = eth0
            .addresses
            .iter()
            .map(|a| format!("{}/{}", a.address, a.prefix))
            .collect();
        assert_eq!(shown, ["192.0.2.2/24", "fd00::2/64"]);
        assert_eq!(eth1.speed_mbps, None, "-1 is unknown");
        assert_eq!(eth1.mtu, None, "no mtu file");
        assert!(eth1.addresses.is_empty());
    }

    #[test]
    fn kept_for_the_refresh_time_unless_the_devices_change() {
        let sys = sys();
        let mut identity = identity(sys.path());
        let start = Instant::now();
        let mut reading = sample(&["nvme0n1"], &["eth0"]);
        identity.fill(&mut reading, start);
        write(&sys.path().join("net/eth0"), "speed", "100\n");
        let mut reading = sample(&["nvme0n1"], &["eth0"]);
        identity.fill(&mut reading, start + REFRESH - Duration::from_secs(1));
        assert_eq!(reading.net_devices[0].speed_mbps, Some(1000), "kept");
        let mut reading = sample(&["nvme0n1"], &["eth0"]);
        identity.fill(&mut reading, start + REFRESH);
        assert_eq!(
            reading.net_devices[0].speed_mbps,
            Some(100),
            "re-read when due"
        );
        write(&sys.path().join("net/eth0"), "speed", "10\n");
        let mut reading = sample(&["nvme0n1"], &["eth0", "eth1"]);
        identity.fill(&mut reading, start + REFRESH + Duration::from_secs(1));
        assert_eq!(
            reading.net_devices[0].speed_mbps,
            Some(10),
            "re-read on a new interface"
        );
    }

    #[test]
    fn a_host_without_sysfs_gives_no_devices_and_is_not_read_every_sample() {
        let sys = tempfile::tempdir().unwrap();
        let mut identity = identity(sys.path());
        let start = Instant::now();
        let mut reading = sample(&["vda"], &["eth0"]);
        identity.fill(&mut reading, start);
        assert!(reading.net_devices.is_empty());
        assert_eq!(reading.block_devices[0].size_bytes, None);
        write(&sys.path().join("net/eth0"), "mtu", "1500\n");
        let mut reading = sample(&["vda"], &["eth0"]);
        identity.fill(&mut reading, start + Duration::from_secs(1));
        assert!(
            reading.net_devices.is_empty(),
            "same devices: not read again yet"
        );
    }

    #[test]
    fn the_real_loopback_has_its_addresses() {
        let lo: Vec<String> = host_addresses()
            .into_iter()
            .filter(|(name, _)| name == "lo")
            .map(|(_, a)| format!("{}/{}", a.address, a.prefix))
            .collect();
        assert!(lo.contains(&"127.0.0.1/8".to_owned()), "{lo:?}");
    }

    #[test]
    fn the_live_host_sample_carries_the_loopback_identity() {
        let mut collector = crate::HostCollector::new().unwrap();
        let idle = crate::Sampler::sample_for(&mut collector, crate::SampleRequest::default());
        assert!(
            idle.net_devices.is_empty() && idle.block_devices.is_empty(),
            "an idle sample (nobody subscribes) reads no identity"
        );
        let reading = crate::Sampler::sample_for(
            &mut collector,
            crate::SampleRequest {
                processes: true,
                node: false,
            },
        );
        let lo = reading
            .net_devices
            .iter()
            .find(|n| n.name == "lo")
            .expect("every Linux host has lo");
        assert_eq!(lo.mtu.map(|m| m > 0), Some(true));
        assert!(
            lo.addresses.iter().any(|a| a.address.is_loopback()),
            "{lo:?}"
        );
        assert_eq!(reading.block_devices.len(), reading.disk_io.len());
    }
}
