//! Host metrics under node_exporter's names, types, units and labels.
//!
//! Differences from node_exporter, because of what the collector reads:
//! `node_memory_Cached_bytes` includes `SReclaimable`; `node_hwmon_temp_celsius` labels `chip` with
//! the hwmon chip name (`coretemp`, not `platform_coretemp_0`) and `sensor` with the sensor's label
//! (`temp` when it has none); `node_uname_info` carries `nodename`, `release` and `sysname` only.

use std::collections::BTreeSet;

use crate::model::{CpuTimes, HostReading};

use super::{Kind, Writer};

/// Clock ticks per second of `/proc/stat` (`USER_HZ`, 100 on every Linux architecture we run on).
const TICKS_PER_SEC: f64 = 100.0;

fn cpu_modes(t: &CpuTimes) -> [(&'static str, u64); 8] {
    [
        ("idle", t.idle),
        ("iowait", t.iowait),
        ("irq", t.irq),
        ("nice", t.nice),
        ("softirq", t.softirq),
        ("steal", t.steal),
        ("system", t.system),
        ("user", t.user),
    ]
}

/// Writes every host family of `r`; `now_unix` dates the boot time.
pub(super) fn write(w: &mut Writer, r: &HostReading, now_unix: u64) {
    w.family(
        "node_boot_time_seconds",
        Kind::Gauge,
        "Node boot time, in unixtime.",
    );
    w.sample(&[], now_unix.saturating_sub(r.uptime_secs) as f64);

    w.family(
        "node_cpu_seconds",
        Kind::Counter,
        "Seconds the CPUs spent in each mode.",
    );
    for (i, core) in r.cpu.cores.iter().enumerate() {
        let cpu = i.to_string();
        for (mode, ticks) in cpu_modes(core) {
            w.sample(
                &[("cpu", &cpu), ("mode", mode)],
                ticks as f64 / TICKS_PER_SEC,
            );
        }
    }

    write_filesystems(w, r);

    w.family(
        "node_hwmon_temp_celsius",
        Kind::Gauge,
        "Hardware monitor for temperature (input).",
    );
    // Two chips of the same name (two NVMe drives) would repeat a label set, which Prometheus
    // refuses for the whole scrape: the first one wins.
    let mut seen = BTreeSet::new();
    for s in r.cpu.sensors.iter().filter(|s| s.celsius.is_finite()) {
        let sensor = if s.label.is_empty() { "temp" } else { &s.label };
        if !seen.insert((s.chip.as_str(), sensor)) {
            continue;
        }
        w.sample(&[("chip", &s.chip), ("sensor", sensor)], s.celsius);
    }

    for (name, i) in [("node_load1", 0), ("node_load5", 1), ("node_load15", 2)] {
        let minutes = ["1m", "5m", "15m"][i];
        w.family(name, Kind::Gauge, &format!("{minutes} load average."));
        w.sample(&[], r.load_average[i]);
    }

    let m = &r.memory;
    for (field, value) in [
        ("MemTotal", m.total),
        ("MemFree", m.free),
        ("MemAvailable", m.available),
        ("Buffers", m.buffers),
        ("Cached", m.cached),
        ("SwapTotal", m.swap_total),
        ("SwapFree", m.swap_free),
    ] {
        w.family(
            &format!("node_memory_{field}_bytes"),
            Kind::Gauge,
            &format!("Memory information field {field}_bytes."),
        );
        w.sample(&[], value as f64);
    }

    write_network(w, r);

    w.family(
        "node_uname_info",
        Kind::Gauge,
        "Labeled system information as provided by the uname system call.",
    );
    w.sample(
        &[
            ("nodename", &r.hostname),
            ("release", &r.kernel),
            ("sysname", "Linux"),
        ],
        1.0,
    );
}

fn write_filesystems(w: &mut Writer, r: &HostReading) {
    type Field = fn(&crate::model::DiskReading) -> u64;
    let fields: [(&str, &str, Field); 3] = [
        (
            "node_filesystem_avail_bytes",
            "Filesystem space available to non-root users in bytes.",
            |d| d.available,
        ),
        (
            "node_filesystem_free_bytes",
            "Filesystem free space in bytes.",
            |d| d.free,
        ),
        (
            "node_filesystem_size_bytes",
            "Filesystem size in bytes.",
            |d| d.total,
        ),
    ];
    for (name, help, field) in fields {
        w.family(name, Kind::Gauge, help);
        let mut seen = BTreeSet::new();
        for d in r
            .disks
            .iter()
            .filter(|d| seen.insert(d.mount_point.as_str()))
        {
            w.sample(
                &[
                    ("device", &d.device),
                    ("fstype", &d.fs_type),
                    ("mountpoint", &d.mount_point),
                ],
                field(d) as f64,
            );
        }
    }
}

fn write_network(w: &mut Writer, r: &HostReading) {
    type Field = fn(&crate::model::InterfaceReading) -> u64;
    let fields: [(&str, &str, Field); 8] = [
        ("receive_bytes", "bytes", |i| i.bytes_received),
        ("receive_drop", "drop", |i| i.drops_in),
        ("receive_errs", "errs", |i| i.errors_in),
        ("receive_packets", "packets", |i| i.packets_received),
        ("transmit_bytes", "bytes", |i| i.bytes_sent),
        ("transmit_drop", "drop", |i| i.drops_out),
        ("transmit_errs", "errs", |i| i.errors_out),
        ("transmit_packets", "packets", |i| i.packets_sent),
    ];
    for (name, what, field) in fields {
        let (direction, _) = name.split_once('_').unwrap_or((name, ""));
        w.family(
            &format!("node_network_{name}"),
            Kind::Counter,
            &format!("Network device statistic {direction}_{what}."),
        );
        for i in &r.interfaces {
            w.sample(&[("device", &i.name)], field(i) as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsFormat;
    use crate::model::{DiskReading, TempSensor};

    #[test]
    fn repeated_label_sets_are_written_once() {
        let sensor = |c: f64| TempSensor {
            chip: "nvme".into(),
            label: "Composite".into(),
            celsius: c,
        };
        let disk = DiskReading {
            mount_point: "/".into(),
            ..DiskReading::default()
        };
        let mut r = HostReading::default();
        r.cpu.sensors = vec![sensor(30.0), sensor(40.0), sensor(f64::NAN)];
        r.disks = vec![disk.clone(), disk];
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, &r, 0);
        let body = w.finish();
        assert_eq!(
            body.matches("node_hwmon_temp_celsius{").count(),
            1,
            "{body}"
        );
        assert!(body.contains("sensor=\"Composite\"} 30\n"));
        assert_eq!(body.matches("node_filesystem_size_bytes{").count(), 1);
    }
}
