//! node_exporter's `netclass` families (`/sys/class/net/<device>` attributes) and the rarer
//! `netdev` counters (fifo, frame, compressed, multicast, colls, carrier, nohandler).

use std::collections::BTreeSet;

use crate::model::HostReading;

use super::{Kind, Writer};

/// The netclass families counted as counters (the rest are gauges).
const COUNTERS: [&str; 3] = [
    "carrier_changes_total",
    "carrier_down_changes_total",
    "carrier_up_changes_total",
];

/// Writes the netclass families and the rarer netdev counters of `r`.
pub(super) fn write(w: &mut Writer, r: &HostReading) {
    let class = &r.node.netclass;
    if !class.is_empty() {
        w.family(
            "node_network_info",
            Kind::Gauge,
            "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
        );
        for c in class {
            w.sample(
                &[
                    ("address", &c.address),
                    ("broadcast", &c.broadcast),
                    ("device", &c.device),
                    ("duplex", &c.duplex),
                    ("ifalias", &c.ifalias),
                    ("operstate", &c.operstate),
                ],
                1.0,
            );
        }
        w.family(
            "node_network_up",
            Kind::Gauge,
            "Value is 1 if operstate is 'up', 0 otherwise.",
        );
        for c in class {
            w.sample(
                &[("device", &c.device)],
                if c.operstate == "up" { 1.0 } else { 0.0 },
            );
        }
    }
    let stems: BTreeSet<&str> = class
        .iter()
        .flat_map(|c| c.values.iter().map(|f| f.name.as_str()))
        .filter(|name| *name != "receive_nohandler_total")
        .collect();
    for stem in stems {
        let (base, kind) = match COUNTERS.contains(&stem) {
            true => (stem.trim_end_matches("_total"), Kind::Counter),
            false => (stem, Kind::Gauge),
        };
        w.family(
            &format!("node_network_{base}"),
            kind,
            &format!("Network device property: {stem}"),
        );
        for c in class {
            if let Some(f) = c.values.iter().find(|f| f.name == stem) {
                w.sample(&[("device", &c.device)], f.value);
            }
        }
    }
    write_netdev_rest(w, r);
}

/// The `/proc/net/dev` columns beyond bytes, packets, errors and drops, and `rx_nohandler`.
fn write_netdev_rest(w: &mut Writer, r: &HostReading) {
    let interfaces: Vec<_> = r
        .interfaces
        .iter()
        .filter(|i| super::node::netdev_reports(&i.name))
        .collect();
    let stems: BTreeSet<&str> = interfaces
        .iter()
        .flat_map(|i| i.other.iter().map(|(n, _)| n.as_str()))
        .collect();
    for stem in stems {
        w.family(
            &format!("node_network_{stem}"),
            Kind::Counter,
            &format!("Network device statistic {stem}."),
        );
        for i in &interfaces {
            if let Some((_, v)) = i.other.iter().find(|(n, _)| n == stem) {
                #[allow(clippy::cast_precision_loss)] // counters far below 2^52
                w.sample(&[("device", &i.name)], *v as f64);
            }
        }
    }
    w.family(
        "node_network_receive_nohandler",
        Kind::Counter,
        "Network device statistic receive_nohandler.",
    );
    for i in &interfaces {
        let found = r
            .node
            .netclass
            .iter()
            .find(|c| c.device == i.name)
            .and_then(|c| {
                c.values
                    .iter()
                    .find(|f| f.name == "receive_nohandler_total")
            });
        if let Some(f) = found {
            w.sample(&[("device", &i.name)], f.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsFormat;
    use crate::model::{Field, InterfaceReading, NetClassReading};

    #[test]
    fn attributes_info_up_and_the_rarer_counters() {
        let eth0 = NetClassReading {
            device: "eth0".into(),
            address: "02:fc:00:00:00:01".into(),
            broadcast: "ff:ff:ff:ff:ff:ff".into(),
            duplex: "full".into(),
            ifalias: String::new(),
            operstate: "up".into(),
            values: vec![
                Field {
                    name: "carrier_changes_total".into(),
                    value: 2.0,
                },
                Field {
                    name: "mtu_bytes".into(),
                    value: 1400.0,
                },
                Field {
                    name: "receive_nohandler_total".into(),
                    value: 5.0,
                },
            ],
        };
        let lo = NetClassReading {
            device: "lo".into(),
            operstate: "unknown".into(),
            values: vec![Field {
                name: "receive_nohandler_total".into(),
                value: 1.0,
            }],
            ..NetClassReading::default()
        };
        let mut r = HostReading::default();
        r.node.netclass = vec![eth0, lo];
        r.interfaces = ["eth0", "lo"]
            .map(|name| InterfaceReading {
                name: name.into(),
                other: vec![("receive_fifo".into(), 7)],
                ..InterfaceReading::default()
            })
            .to_vec();
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, &r);
        let text = w.finish();
        for line in [
            "node_network_info{address=\"02:fc:00:00:00:01\",broadcast=\"ff:ff:ff:ff:ff:ff\",device=\"eth0\",duplex=\"full\",ifalias=\"\",operstate=\"up\"} 1\n",
            "node_network_up{device=\"eth0\"} 1\n",
            "node_network_up{device=\"lo\"} 0\n",
            "# TYPE node_network_carrier_changes_total counter\nnode_network_carrier_changes_total{device=\"eth0\"} 2\n",
            "# TYPE node_network_mtu_bytes gauge\nnode_network_mtu_bytes{device=\"eth0\"} 1400\n",
            "node_network_receive_fifo_total{device=\"eth0\"} 7\n",
            "node_network_receive_nohandler_total{device=\"eth0\"} 5\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(!text.contains("mtu_bytes{device=\"lo\"}"));
        assert!(
            !text.contains("_total{device=\"lo\"}"),
            "netdev leaves out lo"
        );
    }
}
