//! Host metrics under node_exporter's names, types, units and labels.
//!
//! Differences from node_exporter, because of what the collector reads:
//! in a reading without the full `/proc/meminfo` (old fixtures), `node_memory_Cached_bytes`
//! includes `SReclaimable`; `node_hwmon_temp_celsius` labels `chip` with
//! the hwmon chip name (`coretemp`, not `platform_coretemp_0`) and `sensor` with the sensor's label
//! (`temp` when it has none).

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
    let boot = r
        .node
        .stat
        .map_or(now_unix.saturating_sub(r.uptime_secs), |s| s.boot_time);
    w.sample(&[], boot as f64);

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
        // node_exporter's form (`chip="platform_coretemp_0",sensor="temp1"`) when the reading
        // has it; readings from before it was recorded keep the chip name and sensor label.
        let (chip, sensor) = if s.chip_id.is_empty() {
            (
                s.chip.as_str(),
                if s.label.is_empty() { "temp" } else { &s.label },
            )
        } else {
            (s.chip_id.as_str(), s.sensor.as_str())
        };
        if !seen.insert((chip, sensor)) {
            continue;
        }
        w.sample(&[("chip", chip), ("sensor", sensor)], s.celsius);
    }
    write_hwmon_names(w, r);

    for (name, i) in [("node_load1", 0), ("node_load5", 1), ("node_load15", 2)] {
        let minutes = ["1m", "5m", "15m"][i];
        w.family(name, Kind::Gauge, &format!("{minutes} load average."));
        w.sample(&[], r.load_average[i]);
    }

    // With the full /proc/meminfo (`r.node.meminfo`) every field is written by `kernel`; an
    // older reading gives the seven the views use.
    let m = &r.memory;
    let fields = if r.node.meminfo.is_empty() {
        &[
            ("MemTotal", m.total),
            ("MemFree", m.free),
            ("MemAvailable", m.available),
            ("Buffers", m.buffers),
            ("Cached", m.cached),
            ("SwapTotal", m.swap_total),
            ("SwapFree", m.swap_free),
        ][..]
    } else {
        &[][..]
    };
    for &(field, value) in fields {
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
    let mut labels: Vec<(&str, &str)> = vec![
        ("nodename", &r.hostname),
        ("release", &r.kernel),
        ("sysname", "Linux"),
    ];
    labels.extend(r.node.uname.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    labels.sort_unstable();
    w.sample(&labels, 1.0);
}

/// `node_hwmon_chip_names` and `node_hwmon_sensor_label` (node_exporter's form only).
fn write_hwmon_names(w: &mut Writer, r: &HostReading) {
    w.family(
        "node_hwmon_chip_names",
        Kind::Gauge,
        "Annotation metric for human-readable chip names",
    );
    let mut seen = BTreeSet::new();
    for c in r.node.hwmon_chips.iter().filter(|c| seen.insert(&c.chip)) {
        w.sample(&[("chip", &c.chip), ("chip_name", &c.name)], 1.0);
    }
    w.family(
        "node_hwmon_sensor_label",
        Kind::Gauge,
        "Label for given chip and sensor",
    );
    let mut seen = BTreeSet::new();
    let temps = r
        .cpu
        .sensors
        .iter()
        .map(|s| (&s.chip_id, &s.sensor, &s.label));
    let fans = r.fans.iter().map(|f| (&f.chip_id, &f.sensor, &f.label));
    for (chip, sensor, label) in temps.chain(fans) {
        if !chip.is_empty() && !label.is_empty() && seen.insert((chip, sensor)) {
            w.sample(&[("chip", chip), ("label", label), ("sensor", sensor)], 1.0);
        }
    }
}

/// Whether node_exporter's `filesystem` collector reports a mount by default: its
/// `--collector.filesystem.mount-points-exclude` is
/// `^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)` and its
/// `fs-types-exclude` lists pseudo and read-only image filesystems (`squashfs`, `iso9660`, ...).
pub(super) fn filesystem_reported(mount_point: &str, fs_type: &str) -> bool {
    const TYPES: [&str; 23] = [
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devpts",
        "devtmpfs",
        "fusectl",
        "hugetlbfs",
        "iso9660",
        "mqueue",
        "nsfs",
        "overlay",
        "proc",
        "procfs",
        "pstore",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "squashfs",
        "sysfs",
    ];
    if TYPES.contains(&fs_type) {
        return false;
    }
    let Some(rest) = mount_point.strip_prefix('/') else {
        return true;
    };
    let whole = ["dev", "proc", "run", "sys", "mnt", "media"]
        .iter()
        .any(|d| rest == *d || rest.strip_prefix(d).is_some_and(|r| r.starts_with('/')));
    let below = ["var/lib/docker/", "var/lib/containers/storage/"]
        .iter()
        .any(|d| rest.strip_prefix(d).is_some_and(|r| !r.is_empty()));
    !(whole || below)
}

/// Whether node_exporter's `netdev` collector reports an interface by default (it leaves out
/// `lo`).
pub(super) fn netdev_reports(name: &str) -> bool {
    name != "lo"
}

fn write_filesystems(w: &mut Writer, r: &HostReading) {
    type Field = fn(&crate::model::DiskReading) -> u64;
    let fields: [(&str, &str, Field); 7] = [
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
        (
            "node_filesystem_device_error",
            "Whether an error occurred while getting statistics for the given device.",
            // Filesystems whose statfs failed are not in the reading.
            |_| 0,
        ),
        (
            "node_filesystem_files",
            "Filesystem total file nodes.",
            |d| d.files,
        ),
        (
            "node_filesystem_files_free",
            "Filesystem total free file nodes.",
            |d| d.files_free,
        ),
        (
            "node_filesystem_readonly",
            "Filesystem read-only status.",
            |d| u64::from(d.readonly),
        ),
    ];
    for (name, help, field) in fields {
        // A reading from before the inode counts were recorded has none to give.
        if name.starts_with("node_filesystem_files") && r.disks.iter().all(|d| d.files == 0) {
            continue;
        }
        w.family(name, Kind::Gauge, help);
        let mut seen = BTreeSet::new();
        for d in r
            .disks
            .iter()
            .filter(|d| filesystem_reported(&d.mount_point, &d.fs_type))
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
        for i in r.interfaces.iter().filter(|i| netdev_reports(&i.name)) {
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
    fn hwmon_in_node_exporters_chip_form_with_names_and_labels() {
        let mut r = HostReading::default();
        r.cpu.sensors = vec![TempSensor {
            chip: "coretemp".into(),
            label: "Package id 0".into(),
            celsius: 48.0,
            chip_id: "platform_coretemp_0".into(),
            sensor: "temp1".into(),
        }];
        r.node.hwmon_chips = vec![crate::model::HwmonChip {
            chip: "platform_coretemp_0".into(),
            name: "coretemp".into(),
        }];
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, &r, 0);
        let body = w.finish();
        for line in [
            "node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 48\n",
            "node_hwmon_chip_names{chip=\"platform_coretemp_0\",chip_name=\"coretemp\"} 1\n",
            "node_hwmon_sensor_label{chip=\"platform_coretemp_0\",label=\"Package id 0\",sensor=\"temp1\"} 1\n",
        ] {
            assert!(body.contains(line), "{line} in\n{body}");
        }
    }

    #[test]
    fn mounts_and_types_node_exporter_leaves_out() {
        for (mount, fs, kept) in [
            ("/", "ext4", true),
            ("/home", "ext4", true),
            ("/srv/media", "xfs", true),
            ("/var/lib/docker", "ext4", true),
            ("/var/lib/docker/overlay2/x", "ext4", false),
            ("/mnt/usb", "vfat", false),
            ("/mnt", "ext4", false),
            ("/media/cd", "udf", false),
            ("/run/user/1000", "tmpfs", false),
            ("/mntx", "ext4", true),
            ("/snap/core22/1586", "squashfs", false),
        ] {
            assert_eq!(filesystem_reported(mount, fs), kept, "{mount} {fs}");
        }
    }

    #[test]
    fn repeated_label_sets_are_written_once() {
        let sensor = |c: f64| TempSensor {
            chip: "nvme".into(),
            label: "Composite".into(),
            celsius: c,
            ..Default::default()
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
