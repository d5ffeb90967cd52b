//! The details rows of a disk, an interface and the network page.

use super::Row;
use crate::format::{self, Units};
use crate::model::ViewModel;

/// One block device: its rates, how busy it is, and the filesystems on it with their capacity.
pub(super) fn device_rows(vm: &ViewModel, i: usize, units: Units) -> Vec<Row> {
    let Some(hw) = vm.hardware() else {
        return Vec::new();
    };
    let Some(io) = hw.disk_io.get(i) else {
        return Vec::new();
    };
    let n = |k: &str| format!("disk-{}-{k}", io.name);
    let mut rows = Vec::new();
    if let Some(info) = vm.disk_info(&io.name) {
        // SATA disks name their bus, not their maker, as vendor.
        let vendor = info.vendor.as_deref().filter(|v| *v != "ATA");
        let maker = [vendor, info.model.as_deref()];
        let model: Vec<&str> = maker.into_iter().flatten().collect();
        if !model.is_empty() {
            rows.push((n("model"), "Model".into(), model.join(" ")));
        }
        if let Some(size) = info.size {
            #[allow(clippy::cast_precision_loss)] // a display value
            let mut text = units.bytes(size as f64);
            let kind = match info.rotational {
                Some(true) => Some("HDD"),
                Some(false) => Some("SSD"),
                None => None,
            };
            let removable = (info.removable == Some(true)).then_some("removable");
            let kinds: Vec<&str> = [kind, removable].into_iter().flatten().collect();
            if !kinds.is_empty() {
                text = format!("{text} ({})", kinds.join(", "));
            }
            rows.push((n("size"), "Size".into(), text));
        }
    }
    rows.extend([
        (n("read"), "Read".into(), units.rate(io.read_bytes_per_sec)),
        (
            n("write"),
            "Write".into(),
            units.rate(io.write_bytes_per_sec),
        ),
        (
            n("busy"),
            "Utilisation".into(),
            io.busy_percent.map_or("n/a".into(), format::percent),
        ),
    ]);
    // Its filesystems: `/dev/nvme0n1p2` is on `nvme0n1`.
    let on: Vec<_> = hw
        .disks
        .iter()
        .filter(|d| d.device.trim_start_matches("/dev/").starts_with(&io.name))
        .collect();
    let capacity: f64 = on.iter().map(|d| d.total).sum();
    if !on.is_empty() {
        rows.push((
            n("capacity"),
            "Capacity (its filesystems)".into(),
            units.gib(capacity),
        ));
    }
    for d in on {
        let used = psmonitor_core::wire::UsageStats {
            total: d.total,
            used: d.used,
            free: d.free,
            percent: d.percent,
        };
        rows.push((
            format!("disk-{}", d.mount),
            format!("{} ({}, {})", d.mount, d.device, d.fs),
            units.usage(&used),
        ));
    }
    rows
}

/// One interface: its rates, its totals since boot, and its wireless link when it is one.
pub(super) fn interface_rows(vm: &ViewModel, i: usize, units: Units) -> Vec<Row> {
    let Some(name) = vm.interfaces().get(i).cloned() else {
        return Vec::new();
    };
    let r = vm.rates.get(&name).copied().unwrap_or_default();
    let n = |k: &str| format!("iface-{name}-{k}");
    let mut rows = vec![
        (n("rx"), "Receiving".into(), units.net_rate(r.rx)),
        (n("tx"), "Sending".into(), units.net_rate(r.tx)),
    ];
    if let Some(info) = vm.net_info(&name) {
        rows.extend(identity_rows(info, n));
    }
    let net = vm.network.as_ref();
    if let Some(s) = net.and_then(|net| net.statistics.get(&name)) {
        let mib = 1024.0 * 1024.0;
        rows.push((
            n("total"),
            "Since boot".into(),
            format!(
                "↓ {}   ↑ {}",
                units.bytes(s.mb_received * mib),
                units.bytes(s.mb_sent * mib)
            ),
        ));
        rows.push((
            n("packets"),
            "Packets".into(),
            format!(
                "↓ {}   ↑ {}   errors {}/{}   dropped {}",
                s.pk_received, s.pk_sent, s.error_in, s.error_out, s.dropout
            ),
        ));
    }
    if let Some(w) = net
        .and_then(|net| net.wireless.as_ref())
        .filter(|w| w.name == name)
    {
        rows.push((
            n("wireless"),
            "Wireless".into(),
            format!(
                "signal {}, quality {}, channel {}",
                w.signal, w.quality, w.channel
            ),
        ));
    }
    rows
}

/// What an interface is: its addresses, MAC, link speed and state; `unknown` where the server
/// sent `null`.
fn identity_rows(info: &psmonitor_core::wire::NetInfo, n: impl Fn(&str) -> String) -> Vec<Row> {
    let list = |addresses: &[String]| {
        if addresses.is_empty() {
            "none".to_owned()
        } else {
            addresses.join(", ")
        }
    };
    let speed = match info.speed_mbps {
        None => "unknown".to_owned(),
        Some(mbps) if mbps >= 1000 && mbps % 100 == 0 => {
            format!("{} Gbit/s", format_decimal(mbps))
        }
        Some(mbps) => format!("{mbps} Mbit/s"),
    };
    let state = info.operstate.as_deref().unwrap_or("unknown");
    let state = match info.mtu {
        Some(mtu) => format!("{state}, MTU {mtu}"),
        None => state.to_owned(),
    };
    vec![
        (n("ipv4"), "IPv4".into(), list(&info.ipv4)),
        (n("ipv6"), "IPv6".into(), list(&info.ipv6)),
        (
            n("mac"),
            "MAC address".into(),
            info.mac.clone().unwrap_or_else(|| "unknown".into()),
        ),
        (n("speed"), "Link speed".into(), speed),
        (n("state"), "State".into(), state),
    ]
}

/// Mbit/s as Gbit/s without trailing zeros: 2500 is `2.5`, 10000 is `10`.
fn format_decimal(mbps: u64) -> String {
    let (whole, tenths) = (mbps / 1000, mbps % 1000 / 100);
    if tenths == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{tenths}")
    }
}

pub(super) fn network_rows(vm: &ViewModel, units: Units) -> Vec<Row> {
    let Some(net) = &vm.network else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for name in &net.interfaces {
        let r = vm.rates.get(name).copied().unwrap_or_default();
        rows.push((
            format!("net-{name}-rate"),
            name.clone(),
            format!("↓ {}   ↑ {}", units.net_rate(r.rx), units.net_rate(r.tx)),
        ));
        if let Some(s) = net.statistics.get(name) {
            let mib = 1024.0 * 1024.0;
            rows.push((
                format!("net-{name}-total"),
                String::new(),
                format!(
                    "total ↓ {}   ↑ {}",
                    units.bytes(s.mb_received * mib),
                    units.bytes(s.mb_sent * mib)
                ),
            ));
        }
    }
    if let Some(w) = &net.wireless {
        rows.push((
            "net-wireless".into(),
            format!("{} (wireless)", w.name),
            format!(
                "signal {}, quality {}, channel {}",
                w.signal, w.quality, w.channel
            ),
        ));
    }
    rows
}
