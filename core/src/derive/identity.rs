//! What each device is (model, size, MAC, addresses, link speed) as shown on the wire.

use std::net::IpAddr;

use crate::model::{BlockDeviceReading, NetDeviceReading};
use crate::wire::{DiskInfo, NetInfo};

/// Each block device's identity, in reading order.
pub fn disk_info(devices: &[BlockDeviceReading]) -> Vec<DiskInfo> {
    devices
        .iter()
        .map(|d| DiskInfo {
            name: d.name.clone(),
            model: d.model.clone(),
            vendor: d.vendor.clone(),
            size: d.size_bytes,
            rotational: d.rotational,
            removable: d.removable,
        })
        .collect()
}

/// Each interface's identity, in reading order, its addresses as `address/prefix`.
pub fn net_info(devices: &[NetDeviceReading]) -> Vec<NetInfo> {
    devices
        .iter()
        .map(|d| {
            let with_prefix = |v4: bool| {
                d.addresses
                    .iter()
                    .filter(|a| matches!(a.address, IpAddr::V4(_)) == v4)
                    .map(|a| format!("{}/{}", a.address, a.prefix))
                    .collect()
            };
            NetInfo {
                name: d.name.clone(),
                mac: d.mac.clone(),
                ipv4: with_prefix(true),
                ipv6: with_prefix(false),
                speed_mbps: d.speed_mbps,
                mtu: d.mtu,
                operstate: d.operstate.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IpAddressReading;

    #[test]
    fn addresses_are_split_by_family_with_their_prefix() {
        let eth0 = NetDeviceReading {
            name: "eth0".into(),
            addresses: vec![
                IpAddressReading {
                    address: "fd00::2".parse().unwrap(),
                    prefix: 64,
                },
                IpAddressReading {
                    address: "192.0.2.2".parse().unwrap(),
                    prefix: 24,
                },
            ],
            ..NetDeviceReading::default()
        };
        let info = &net_info(&[eth0])[0];
        assert_eq!(info.ipv4, ["192.0.2.2/24"]);
        assert_eq!(info.ipv6, ["fd00::2/64"]);
        assert_eq!((info.mac.as_deref(), info.speed_mbps), (None, None));
    }

    #[test]
    fn a_device_without_sysfs_files_has_nulls() {
        let zram = BlockDeviceReading {
            name: "zram0".into(),
            ..BlockDeviceReading::default()
        };
        let json = serde_json::to_string(&disk_info(&[zram])).unwrap();
        assert_eq!(
            json,
            r#"[{"name":"zram0","model":null,"vendor":null,"size":null,"rotational":null,"removable":null}]"#
        );
    }
}
