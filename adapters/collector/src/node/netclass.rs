//! `/sys/class/net/<device>`: the interface attributes node_exporter's `netclass` collector
//! reports. A file that is missing or unreadable (the kernel answers `EINVAL` for `carrier` and
//! `speed` of a device that is down) leaves out just that series.

use std::fs;
use std::path::Path;

use psmonitor_core::model::{Field, NetClassReading};

/// The numeric attribute files and node_exporter's family stem for each, in name order.
const NUMERIC: &[(&str, &str)] = &[
    ("addr_assign_type", "address_assign_type"),
    ("carrier", "carrier"),
    ("carrier_changes", "carrier_changes_total"),
    ("carrier_down_count", "carrier_down_changes_total"),
    ("carrier_up_count", "carrier_up_changes_total"),
    ("dev_id", "device_id"),
    ("dormant", "dormant"),
    ("flags", "flags"),
    ("ifindex", "iface_id"),
    ("iflink", "iface_link"),
    ("link_mode", "iface_link_mode"),
    ("mtu", "mtu_bytes"),
    ("name_assign_type", "name_assign_type"),
    ("netdev_group", "net_dev_group"),
    ("speed", "speed_bytes"),
    ("tx_queue_len", "transmit_queue_length"),
    ("type", "protocol_type"),
    ("statistics/rx_nohandler", "receive_nohandler_total"),
];

/// Parses a sysfs number: decimal, or hexadecimal with `0x` (`flags`, `dev_id`); `None` when
/// empty or malformed.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    #[allow(clippy::cast_precision_loss)] // node_exporter reports a float64
    let value = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok()? as f64,
        None => text.parse::<i64>().ok()? as f64,
    };
    Some(value)
}

/// Reads every interface under `root` (normally `/sys/class/net`), in name order; entries that
/// are not directories (`bonding_masters`) are skipped.
pub fn read_netclass(root: &Path) -> Vec<NetClassReading> {
    read_netclass_with(root, NUMERIC)
}

/// The numeric attributes device identity needs (`mtu`, `speed`), with their family stems.
pub const IDENTITY: &[(&str, &str)] = &[("mtu", "mtu_bytes"), ("speed", "speed_bytes")];

/// [`read_netclass`] reading only the `numeric` attribute files (file, family stem) of
/// [`NUMERIC`], e.g. [`IDENTITY`]; the text attributes are always read.
pub fn read_netclass_with(root: &Path, numeric: &[(&str, &str)]) -> Vec<NetClassReading> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut devices: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    devices.sort();
    devices
        .into_iter()
        .map(|device| read_device(&root.join(&device), device, numeric))
        .collect()
}

fn read_device(dir: &Path, device: String, numeric: &[(&str, &str)]) -> NetClassReading {
    let text = |file: &str| fs::read_to_string(dir.join(file)).ok();
    let label = |file: &str| text(file).map(|t| t.trim().to_owned()).unwrap_or_default();
    let values = numeric
        .iter()
        .filter_map(|&(file, name)| {
            let mut value = parse_number(&text(file)?)?;
            if name == "speed_bytes" {
                // Mbit/s to bytes per second, as node_exporter does (also for the -1 of "unknown").
                value *= 1_000_000.0 / 8.0;
            }
            Some(Field {
                name: name.to_owned(),
                value,
            })
        })
        .collect();
    NetClassReading {
        address: label("address"),
        broadcast: label("broadcast"),
        duplex: label("duplex"),
        ifalias: label("ifalias"),
        operstate: label("operstate"),
        values,
        device,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write;

    #[test]
    fn reads_attributes_and_leaves_out_unreadable_ones() {
        let root = tempfile::tempdir().unwrap();
        let eth0 = root.path().join("eth0");
        for (file, text) in [
            ("address", "02:fc:00:00:00:01\n"),
            ("broadcast", "ff:ff:ff:ff:ff:ff\n"),
            ("duplex", "unknown\n"),
            ("operstate", "up\n"),
            ("flags", "0x1003\n"),
            ("mtu", "1400\n"),
            ("speed", "-1\n"),
            ("carrier", "1\n"),
            ("carrier_changes", "2\n"),
            ("statistics/rx_nohandler", "0\n"),
            ("dormant", ""),
            ("ifindex", "four\n"),
        ] {
            write(&eth0, file, text);
        }
        write(root.path(), "bonding_masters", "\n");
        let all = read_netclass(root.path());
        assert_eq!(all.len(), 1);
        let eth0 = &all[0];
        assert_eq!(eth0.device, "eth0");
        assert_eq!(eth0.duplex, "unknown");
        assert_eq!(eth0.ifalias, "");
        let value = |n: &str| eth0.values.iter().find(|f| f.name == n).map(|f| f.value);
        assert_eq!(value("flags"), Some(4099.0));
        assert_eq!(value("mtu_bytes"), Some(1400.0));
        assert_eq!(value("speed_bytes"), Some(-125_000.0));
        assert_eq!(value("carrier_changes_total"), Some(2.0));
        assert_eq!(value("receive_nohandler_total"), Some(0.0));
        assert_eq!(value("dormant"), None, "an empty file is left out");
        assert_eq!(value("iface_id"), None, "a malformed file is left out");
        assert_eq!(eth0.values.len(), 6);
    }

    #[test]
    fn identity_reads_only_mtu_and_speed_of_the_numbers() {
        let root = tempfile::tempdir().unwrap();
        let eth0 = root.path().join("eth0");
        for (file, text) in [
            ("address", "02:fc:00:00:00:01\n"),
            ("mtu", "1500\n"),
            ("speed", "100\n"),
            ("carrier", "1\n"),
        ] {
            write(&eth0, file, text);
        }
        let all = read_netclass_with(root.path(), IDENTITY);
        let names: Vec<&str> = all[0].values.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["mtu_bytes", "speed_bytes"]);
        assert_eq!(all[0].address, "02:fc:00:00:00:01");
    }

    #[test]
    fn a_missing_class_gives_nothing() {
        assert!(read_netclass(Path::new("/nonexistent/net")).is_empty());
        assert_eq!(parse_number("0x"), None);
        assert_eq!(parse_number(""), None);
    }
}
