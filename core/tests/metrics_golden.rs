//! `/metrics` bodies (text 0.0.4 and OpenMetrics) and history series of every fixture host,
//! compared byte for byte with `fixtures/golden/<host>/`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p psmonitor-core --test metrics_golden` rewrites them instead.

mod common;

use std::path::Path;

use common::{HOSTS, derived, fixtures_dir, last_pair, recording};
use psmonitor_core::metrics::{MetricsFormat, ServerStats, encode};
use psmonitor_core::model::HostReading;
use psmonitor_core::series::{is_known_name, series_values};

const NOW_UNIX: u64 = 1_700_000_000;

fn stats() -> ServerStats {
    ServerStats {
        subscribers: 2,
        frames_sent: 1_234,
        logins_ok: 5,
        logins_failed: 1,
        logins_limited: 0,
        sample_duration_secs: 0.012,
        version: "0.1.0".into(),
    }
}

fn check_or_update(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(path, actual).expect("write a golden file");
        return;
    }
    match std::fs::read_to_string(path) {
        Err(e) => failures.push(format!(
            "{}: cannot read ({e}); run with UPDATE_GOLDEN=1",
            path.display()
        )),
        Ok(expected) if expected != actual => {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(actual.lines().count()));
            failures.push(format!(
                "{}: first difference at line {}",
                path.display(),
                line + 1
            ));
        }
        Ok(_) => {}
    }
}

#[test]
fn every_host_matches_its_golden_metrics_and_series() {
    let mut failures = Vec::new();
    for host in HOSTS {
        let rec = recording(host);
        let (_, cur, _) = last_pair(&rec);
        let dir = fixtures_dir().join("golden").join(host);
        let text = encode(MetricsFormat::Text, cur, NOW_UNIX, &stats());
        let open = encode(MetricsFormat::OpenMetrics, cur, NOW_UNIX, &stats());
        let series = series_values(&derived(host), cur);
        let series = serde_json::to_string_pretty(&series).expect("series encode") + "\n";
        check_or_update(&dir.join("metrics.txt"), &text, &mut failures);
        check_or_update(&dir.join("metrics.openmetrics.txt"), &open, &mut failures);
        check_or_update(&dir.join("series.json"), &series, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "golden mismatch:\n{}",
        failures.join("\n")
    );
}

#[test]
fn series_agree_with_the_snapshot_and_have_known_names() {
    for host in HOSTS {
        let rec = recording(host);
        let (_, cur, _) = last_pair(&rec);
        let d = derived(host);
        let series = series_values(&d, cur);
        for name in series.keys() {
            assert!(is_known_name(name), "{host}: {name}");
        }
        assert_eq!(series["cpu.usage"], d.system.cpu.usage, "{host}");
        assert_eq!(series["mem.percent"], d.system.mem.percent, "{host}");
        assert_eq!(series["load.15"], d.system.cpu.load[2], "{host}");
        assert_eq!(series.get("cpu.temp").copied(), d.system.cpu.temp, "{host}");
        for (i, usage) in d.system.cpu.cores.iter().enumerate() {
            assert_eq!(series[&format!("cpu.usage@{i}")], *usage, "{host}");
        }
        for disk in &d.system.disks {
            assert_eq!(
                series[&format!("disk.percent@{}", disk.mount)],
                disk.percent
            );
        }
        for (iface, s) in &d.network.statistics {
            assert_eq!(
                series[&format!("net.rx_bytes_per_sec@{iface}")],
                s.rx_bytes_per_sec
            );
            assert_eq!(
                series[&format!("net.tx_bytes_per_sec@{iface}")],
                s.tx_bytes_per_sec
            );
        }
        assert_eq!(
            series.contains_key("swap.percent"),
            cur.memory.swap_total > 0,
            "{host}"
        );
        let used = cur.memory.total - cur.memory.free - cur.memory.buffers - cur.memory.cached;
        assert_eq!(series["mem.used_bytes"], used as f64, "{host}");
    }
}

#[test]
fn metrics_carry_node_exporter_names_and_open_metrics_ends_with_eof() {
    for host in HOSTS {
        let rec = recording(host);
        let (_, cur, _) = last_pair(&rec);
        let text = encode(MetricsFormat::Text, cur, NOW_UNIX, &stats());
        let open = encode(MetricsFormat::OpenMetrics, cur, NOW_UNIX, &stats());
        assert!(open.ends_with("# EOF\n"), "{host}");
        assert!(!text.contains("# EOF"), "{host}");
        assert!(text.contains("# TYPE node_cpu_seconds_total counter\n"));
        assert!(open.contains("# TYPE node_cpu_seconds counter\n"));
        // From `btime` when the reading has it, else from the uptime.
        let boot = cur
            .node
            .stat
            .map_or(NOW_UNIX - cur.uptime_secs, |s| s.boot_time);
        assert!(
            text.contains(&format!("\nnode_boot_time_seconds {boot}\n")),
            "{host}"
        );
        for core in 0..cur.cpu.cores.len() {
            let line = format!("node_cpu_seconds_total{{cpu=\"{core}\",mode=\"user\"}} ");
            assert!(text.contains(&line), "{host}: {line}");
        }
        assert!(
            text.contains(&format!("\nnode_load1 {}\n", cur.load_average[0])),
            "{host}"
        );
        assert!(text.contains(&format!(
            "\nnode_memory_MemTotal_bytes {}\n",
            cur.memory.total as f64
        )));
        for i in &cur.interfaces {
            let line = format!(
                "node_network_receive_bytes_total{{device=\"{}\"}} {}\n",
                i.name, i.bytes_received as f64
            );
            // node_exporter's netdev leaves out the loopback interface.
            assert_eq!(text.contains(&line), i.name != "lo", "{host}: {line}");
        }
        for d in &cur.disks {
            // node_exporter's default filters leave out /mnt, /media, /run, ... and squashfs.
            let excluded = d.mount_point.starts_with("/mnt/") || d.fs_type == "squashfs";
            let line = format!(
                "node_filesystem_size_bytes{{device=\"{}\",fstype=\"{}\",mountpoint=\"{}\"}} {}\n",
                d.device, d.fs_type, d.mount_point, d.total as f64
            );
            assert_eq!(text.contains(&line), !excluded, "{host}: {line}");
        }
        assert!(text.contains("psmonitor_logins_total{result=\"failed\"} 1\n"));
        assert!(text.contains("psmonitor_process_group_resident_bytes{name="));
        assert!(text.contains("psmonitor_process_group_cpu_seconds_total{name="));
        assert_device_families(host, cur, &text);
    }
}

/// The collector's newer sources under node_exporter's names (and `psmonitor_gpu_*`).
fn assert_device_families(host: &str, cur: &HostReading, text: &str) {
    for d in &cur.disk_io {
        for line in [
            format!(
                "node_disk_read_bytes_total{{device=\"{}\"}} {}\n",
                d.name, d.read_bytes as f64
            ),
            format!(
                "node_disk_written_bytes_total{{device=\"{}\"}} {}\n",
                d.name, d.written_bytes as f64
            ),
            format!(
                "node_disk_io_time_seconds_total{{device=\"{}\"}} {}\n",
                d.name,
                d.busy_ms as f64 / 1000.0
            ),
        ] {
            assert!(text.contains(&line), "{host}: {line}");
        }
    }
    for f in cur.fans.iter().filter(|f| !f.label.is_empty()) {
        // node_exporter's chip form when recorded, else the chip name and the fan's label.
        let (chip, sensor) = if f.chip_id.is_empty() {
            (&f.chip, &f.label)
        } else {
            (&f.chip_id, &f.sensor)
        };
        let line = format!(
            "node_hwmon_fan_rpm{{chip=\"{chip}\",sensor=\"{sensor}\"}} {}\n",
            f.rpm
        );
        assert!(text.contains(&line), "{host}: {line}");
    }
    assert_eq!(
        text.matches("\nnode_hwmon_fan_rpm{").count(),
        cur.fans.len(),
        "{host}"
    );
    for b in &cur.batteries {
        if let Some(p) = b.percent {
            let line = format!(
                "node_power_supply_capacity{{power_supply=\"{}\"}} {p}\n",
                b.name
            );
            assert!(text.contains(&line), "{host}: {line}");
        }
    }
    assert_eq!(
        text.matches("\nnode_thermal_zone_temp{").count(),
        cur.thermal_zones.len(),
        "{host}"
    );
    for g in &cur.gpus {
        if let Some(busy) = g.busy_percent {
            let line = format!("psmonitor_gpu_busy_percent{{gpu=\"{}\"}} {busy}\n", g.bus);
            assert!(text.contains(&line), "{host}: {line}");
        }
    }
    assert_eq!(
        text.matches("\npsmonitor_gpu_info{").count(),
        cur.gpus.len(),
        "{host}"
    );
}
