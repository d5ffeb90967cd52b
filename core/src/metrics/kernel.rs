//! node_exporter's `meminfo`, `vmstat`, `stat`, `pressure`, `filefd`, `os`, `time` and
//! `cpufreq` families, from [`NodeReading`](crate::model::NodeReading). A part the reading lacks
//! (a fixture recorded before it, a host without PSI or cpufreq) writes no family.

use crate::model::HostReading;

use super::{Kind, Writer};

/// Clock ticks per second of `/proc/stat`.
const TICKS_PER_SEC: f64 = 100.0;

/// The labels of `node_os_info` and the os-release key of each.
const OS_INFO: [(&str, &str); 12] = [
    ("build_id", "BUILD_ID"),
    ("id", "ID"),
    ("id_like", "ID_LIKE"),
    ("image_id", "IMAGE_ID"),
    ("image_version", "IMAGE_VERSION"),
    ("name", "NAME"),
    ("pretty_name", "PRETTY_NAME"),
    ("variant", "VARIANT"),
    ("variant_id", "VARIANT_ID"),
    ("version", "VERSION"),
    ("version_codename", "VERSION_CODENAME"),
    ("version_id", "VERSION_ID"),
];

/// Writes the families of `r.node`; `now_unix` is `node_time_seconds`.
pub(super) fn write(w: &mut Writer, r: &HostReading, now_unix: f64) {
    let n = &r.node;
    // Two buffers for the many one-sample families, instead of two strings each.
    let (mut name, mut help) = (String::new(), String::new());
    for (prefix, about, kind, fields) in [
        (
            "node_memory_",
            "Memory information field ",
            Kind::Gauge,
            &n.meminfo,
        ),
        (
            "node_vmstat_",
            "/proc/vmstat information field ",
            Kind::Untyped,
            &n.vmstat,
        ),
    ] {
        for f in fields {
            name.clear();
            name.push_str(prefix);
            name.push_str(&f.name);
            help.clear();
            help.push_str(about);
            help.push_str(&f.name);
            help.push('.');
            w.family(&name, kind, &help);
            w.sample(&[], f.value);
        }
    }
    write_stat(w, r);
    write_pressure(w, r);
    if let Some(fd) = n.filefd {
        for (name, value) in [("allocated", fd.allocated), ("maximum", fd.maximum)] {
            w.family(
                &format!("node_filefd_{name}"),
                Kind::Gauge,
                &format!("File descriptor statistics: {name}."),
            );
            w.sample(&[], value as f64);
        }
    }
    write_os(w, r);
    write_time(w, r, now_unix);
    write_cpufreq(w, r);
}

#[allow(clippy::cast_precision_loss)] // counters far below 2^52
fn write_stat(w: &mut Writer, r: &HostReading) {
    if let Some(s) = r.node.stat {
        w.family(
            "node_context_switches",
            Kind::Counter,
            "Total number of context switches.",
        );
        w.sample(&[], s.context_switches as f64);
        w.family("node_forks", Kind::Counter, "Total number of forks.");
        w.sample(&[], s.forks as f64);
        w.family(
            "node_intr",
            Kind::Counter,
            "Total number of interrupts serviced.",
        );
        w.sample(&[], s.interrupts as f64);
        w.family(
            "node_procs_blocked",
            Kind::Gauge,
            "Number of processes blocked waiting for I/O to complete.",
        );
        w.sample(&[], s.procs_blocked as f64);
        w.family(
            "node_procs_running",
            Kind::Gauge,
            "Number of processes in runnable state.",
        );
        w.sample(&[], s.procs_running as f64);
    }
    w.family(
        "node_cpu_guest_seconds",
        Kind::Counter,
        "Seconds the CPUs spent in guests (VMs) for each mode.",
    );
    for (i, g) in r.node.cpu_guest.iter().enumerate() {
        let cpu = i.to_string();
        w.sample(
            &[("cpu", &cpu), ("mode", "nice")],
            g.nice as f64 / TICKS_PER_SEC,
        );
        w.sample(
            &[("cpu", &cpu), ("mode", "user")],
            g.user as f64 / TICKS_PER_SEC,
        );
    }
}

#[allow(clippy::cast_precision_loss)] // microseconds far below 2^52
fn write_pressure(w: &mut Writer, r: &HostReading) {
    let find = |resource: &str| r.node.pressure.iter().find(|p| p.resource == resource);
    let waiting = [
        (
            "cpu",
            "Total time in seconds that processes have waited for CPU time",
        ),
        (
            "io",
            "Total time in seconds that processes have waited due to IO congestion",
        ),
        (
            "memory",
            "Total time in seconds that processes have waited for memory",
        ),
    ];
    let stalled = [
        (
            "io",
            "Total time in seconds no process could make progress due to IO congestion",
        ),
        (
            "memory",
            "Total time in seconds no process could make progress due to memory congestion",
        ),
    ];
    for (resource, help) in waiting {
        if let Some(p) = find(resource) {
            w.family(
                &format!("node_pressure_{resource}_waiting_seconds"),
                Kind::Counter,
                help,
            );
            w.sample(&[], p.some_us as f64 / 1e6);
        }
    }
    for (resource, help) in stalled {
        if let Some(full) = find(resource).and_then(|p| p.full_us) {
            w.family(
                &format!("node_pressure_{resource}_stalled_seconds"),
                Kind::Counter,
                help,
            );
            w.sample(&[], full as f64 / 1e6);
        }
    }
}

fn write_os(w: &mut Writer, r: &HostReading) {
    let os = &r.node.os_release;
    if os.is_empty() {
        return;
    }
    let get = |key: &str| {
        os.iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    };
    w.family(
        "node_os_info",
        Kind::Gauge,
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
    );
    let labels: Vec<(&str, &str)> = OS_INFO.iter().map(|&(l, k)| (l, get(k))).collect();
    w.sample(&labels, 1.0);
    w.family(
        "node_os_version",
        Kind::Gauge,
        "Metric containing the major.minor part of the OS version.",
    );
    w.sample(
        &[
            ("id", get("ID")),
            ("id_like", get("ID_LIKE")),
            ("name", get("NAME")),
        ],
        major_minor(get("VERSION_ID")),
    );
}

/// The leading `major.minor` of a version (`22.04.3` gives 22.04); 0 when it has none.
fn major_minor(version: &str) -> f64 {
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or("");
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
        return 0.0;
    }
    let minor: String = parts
        .next()
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let text = if minor.is_empty() {
        major.to_owned()
    } else {
        format!("{major}.{minor}")
    };
    text.parse().unwrap_or(0.0)
}

fn write_time(w: &mut Writer, r: &HostReading, now_unix: f64) {
    w.family(
        "node_time_clocksource_available_info",
        Kind::Gauge,
        "Available clocksources read from '/sys/devices/system/clocksource'.",
    );
    for c in &r.node.clocksources {
        for source in &c.available {
            w.sample(&[("clocksource", source), ("device", &c.device)], 1.0);
        }
    }
    w.family(
        "node_time_clocksource_current_info",
        Kind::Gauge,
        "Current clocksource read from '/sys/devices/system/clocksource'.",
    );
    for c in &r.node.clocksources {
        w.sample(&[("clocksource", &c.current), ("device", &c.device)], 1.0);
    }
    w.family(
        "node_time_seconds",
        Kind::Gauge,
        "System time in seconds since epoch (1970).",
    );
    w.sample(&[], now_unix);
}

fn write_cpufreq(w: &mut Writer, r: &HostReading) {
    type Get = fn(&crate::model::CpuFreq) -> Option<f64>;
    let families: [(&str, &str, Get); 5] = [
        (
            "node_cpu_frequency_max_hertz",
            "Maximum CPU thread frequency in hertz.",
            |f| f.cpuinfo_max,
        ),
        (
            "node_cpu_frequency_min_hertz",
            "Minimum CPU thread frequency in hertz.",
            |f| f.cpuinfo_min,
        ),
        (
            "node_cpu_scaling_frequency_hertz",
            "Current scaled CPU thread frequency in hertz.",
            |f| f.scaling_cur,
        ),
        (
            "node_cpu_scaling_frequency_max_hertz",
            "Maximum scaled CPU thread frequency in hertz.",
            |f| f.scaling_max,
        ),
        (
            "node_cpu_scaling_frequency_min_hertz",
            "Minimum scaled CPU thread frequency in hertz.",
            |f| f.scaling_min,
        ),
    ];
    for (name, help, get) in families {
        w.family(name, Kind::Gauge, help);
        for f in &r.node.cpufreq {
            if let Some(hz) = get(f).filter(|v| v.is_finite()) {
                w.sample(&[("cpu", &f.cpu.to_string())], hz);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsFormat;
    use crate::model::{Field, FileFd, KernelStat, NodeReading, PressureReading};

    fn body(node: NodeReading) -> String {
        let r = HostReading {
            node,
            ..HostReading::default()
        };
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, &r, 1_700_000_000.5);
        w.finish()
    }

    #[test]
    fn every_part_under_node_exporters_names_and_types() {
        let text = body(NodeReading {
            meminfo: vec![
                Field {
                    name: "Active_anon_bytes".into(),
                    value: 4096.0,
                },
                Field {
                    name: "HugePages_Total".into(),
                    value: 0.0,
                },
            ],
            vmstat: vec![Field {
                name: "oom_kill".into(),
                value: 3.0,
            }],
            stat: Some(KernelStat {
                boot_time: 1,
                context_switches: 642_428,
                forks: 19_300,
                interrupts: 304_512,
                procs_running: 4,
                procs_blocked: 1,
            }),
            pressure: vec![
                PressureReading {
                    resource: "cpu".into(),
                    some_us: 24_521_705,
                    full_us: Some(0),
                },
                PressureReading {
                    resource: "io".into(),
                    some_us: 2_922_132,
                    full_us: Some(2_440_740),
                },
            ],
            filefd: Some(FileFd {
                allocated: 861,
                maximum: 2_466_239,
            }),
            os_release: vec![
                ("ID".into(), "ubuntu".into()),
                ("VERSION_ID".into(), "22.04".into()),
            ],
            ..NodeReading::default()
        });
        for line in [
            "# TYPE node_memory_Active_anon_bytes gauge\nnode_memory_Active_anon_bytes 4096\n",
            "node_memory_HugePages_Total 0\n",
            "# TYPE node_vmstat_oom_kill untyped\nnode_vmstat_oom_kill 3\n",
            "# TYPE node_context_switches_total counter\nnode_context_switches_total 642428\n",
            "node_forks_total 19300\n",
            "node_intr_total 304512\n",
            "node_procs_running 4\n",
            "node_procs_blocked 1\n",
            "node_pressure_cpu_waiting_seconds_total 24.521705\n",
            "node_pressure_io_waiting_seconds_total 2.922132\n",
            "node_pressure_io_stalled_seconds_total 2.44074\n",
            "node_filefd_allocated 861\n",
            "node_filefd_maximum 2466239\n",
            "node_os_version{id=\"ubuntu\",id_like=\"\",name=\"\"} 22.04\n",
            "node_time_seconds 1700000000.5\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(
            !text.contains("node_pressure_cpu_stalled"),
            "as node_exporter 1.5"
        );
        assert!(
            !text.contains("node_pressure_memory"),
            "no memory file read"
        );
        assert!(text.contains("node_os_info{build_id=\"\",id=\"ubuntu\","));
    }

    #[test]
    fn an_empty_reading_writes_only_the_time() {
        assert_eq!(
            body(NodeReading::default()),
            "# HELP node_time_seconds System time in seconds since epoch (1970).\n# TYPE node_time_seconds gauge\nnode_time_seconds 1700000000.5\n"
        );
    }

    #[test]
    fn os_versions_keep_major_and_minor() {
        assert_eq!(major_minor("12"), 12.0);
        assert_eq!(major_minor("22.04"), 22.04);
        assert_eq!(major_minor("9.3.1"), 9.3);
        assert_eq!(major_minor("rolling"), 0.0);
        assert_eq!(major_minor(""), 0.0);
    }
}
