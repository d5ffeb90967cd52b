//! Disks, fans, thermal zones and power supplies under node_exporter's names, types, units and
//! labels (its `diskstats`, `hwmon`, `thermal_zone` and `powersupplyclass` collectors).
//!
//! Differences from node_exporter: `node_thermal_zone_temp` labels `zone` with the number of the
//! `thermal_zoneN` directory, as node_exporter does, but only zones that answered are written;
//! `node_power_supply_*` covers batteries only (the collector reads no mains adapters), and
//! `node_power_supply_info` carries `power_supply`, `status` and `type` only.

use std::collections::{BTreeSet, HashMap};

use crate::model::{DiskIoReading, DiskStats, HostReading};

use super::{Kind, Writer};

/// Writes the disk I/O, fan, thermal zone and power supply families of `r`.
pub(super) fn write(w: &mut Writer, r: &HostReading) {
    write_disks(w, r);
    write_fans(w, r);
    write_power_supplies(w, r);
    write_thermal_zones(w, r);
}

fn write_disks(w: &mut Writer, r: &HostReading) {
    write_disk_stats(w, r);
    type Field = fn(&DiskIoReading) -> f64;
    let fields: [(&str, &str, Field); 3] = [
        (
            "node_disk_io_time_seconds",
            "Total seconds spent doing I/Os.",
            |d| d.busy_ms as f64 / 1000.0,
        ),
        (
            "node_disk_read_bytes",
            "The total number of bytes read successfully.",
            |d| d.read_bytes as f64,
        ),
        (
            "node_disk_written_bytes",
            "The total number of bytes written successfully.",
            |d| d.written_bytes as f64,
        ),
    ];
    for (name, help, field) in fields {
        w.family(name, Kind::Counter, help);
        let mut seen = BTreeSet::new();
        for d in r.disk_io.iter().filter(|d| seen.insert(d.name.as_str())) {
            w.sample(&[("device", &d.name)], field(d));
        }
    }
}

/// The `/proc/diskstats` columns beyond bytes and `io_ticks`, for readings that have them.
#[allow(clippy::cast_precision_loss)] // counters far below 2^52
fn write_disk_stats(w: &mut Writer, r: &HostReading) {
    type Get = fn(&DiskStats) -> Option<f64>;
    let families: [(&str, Kind, &str, Get); 14] = [
        (
            "node_disk_reads_completed",
            Kind::Counter,
            "The total number of reads completed successfully.",
            |s| Some(s.reads_completed as f64),
        ),
        (
            "node_disk_reads_merged",
            Kind::Counter,
            "The total number of reads merged.",
            |s| Some(s.reads_merged as f64),
        ),
        (
            "node_disk_read_time_seconds",
            Kind::Counter,
            "The total number of seconds spent by all reads.",
            |s| Some(s.read_ms as f64 / 1000.0),
        ),
        (
            "node_disk_writes_completed",
            Kind::Counter,
            "The total number of writes completed successfully.",
            |s| Some(s.writes_completed as f64),
        ),
        (
            "node_disk_writes_merged",
            Kind::Counter,
            "The number of writes merged.",
            |s| Some(s.writes_merged as f64),
        ),
        (
            "node_disk_write_time_seconds",
            Kind::Counter,
            "This is the total number of seconds spent by all writes.",
            |s| Some(s.write_ms as f64 / 1000.0),
        ),
        (
            "node_disk_io_now",
            Kind::Gauge,
            "The number of I/Os currently in progress.",
            |s| Some(s.io_now as f64),
        ),
        (
            "node_disk_io_time_weighted_seconds",
            Kind::Counter,
            "The weighted # of seconds spent doing I/Os.",
            |s| Some(s.weighted_ms as f64 / 1000.0),
        ),
        (
            "node_disk_discards_completed",
            Kind::Counter,
            "The total number of discards completed successfully.",
            |s| Some(s.discards?[0] as f64),
        ),
        (
            "node_disk_discards_merged",
            Kind::Counter,
            "The total number of discards merged.",
            |s| Some(s.discards?[1] as f64),
        ),
        (
            "node_disk_discarded_sectors",
            Kind::Counter,
            "The total number of sectors discarded successfully.",
            |s| Some(s.discards?[2] as f64),
        ),
        (
            "node_disk_discard_time_seconds",
            Kind::Counter,
            "This is the total number of seconds spent by all discards.",
            |s| Some(s.discards?[3] as f64 / 1000.0),
        ),
        (
            "node_disk_flush_requests",
            Kind::Counter,
            "The total number of flush requests completed successfully",
            |s| Some(s.flushes?[0] as f64),
        ),
        (
            "node_disk_flush_requests_time_seconds",
            Kind::Counter,
            "This is the total number of seconds spent by all flush requests.",
            |s| Some(s.flushes?[1] as f64 / 1000.0),
        ),
    ];
    for (name, kind, help, get) in families {
        w.family(name, kind, help);
        let mut seen = BTreeSet::new();
        for d in r.disk_io.iter().filter(|d| seen.insert(d.name.as_str())) {
            if let Some(value) = d.stats.as_ref().and_then(get) {
                w.sample(&[("device", &d.name)], value);
            }
        }
    }
}

fn write_fans(w: &mut Writer, r: &HostReading) {
    w.family(
        "node_hwmon_fan_rpm",
        Kind::Gauge,
        "Hardware monitor for fan revolutions per minute (input).",
    );
    // Like the temperatures: a repeated label set would make Prometheus refuse the whole scrape.
    let mut seen = BTreeSet::new();
    // A fan without a label is named by its place among its chip's fans: `fan1`, `fan2`, ...
    let mut per_chip: HashMap<&str, usize> = HashMap::new();
    for fan in &r.fans {
        let place = per_chip.entry(fan.chip.as_str()).or_default();
        *place += 1;
        if !fan.rpm.is_finite() {
            continue;
        }
        // node_exporter's form when the reading has it (see `node_hwmon_temp_celsius`).
        let (chip, sensor) = if !fan.chip_id.is_empty() {
            (fan.chip_id.as_str(), fan.sensor.clone())
        } else if fan.label.is_empty() {
            (fan.chip.as_str(), format!("fan{place}"))
        } else {
            (fan.chip.as_str(), fan.label.clone())
        };
        if seen.insert((chip, sensor.clone())) {
            w.sample(&[("chip", chip), ("sensor", &sensor)], fan.rpm);
        }
    }
}

fn write_power_supplies(w: &mut Writer, r: &HostReading) {
    let mut seen = BTreeSet::new();
    let batteries: Vec<_> = r
        .batteries
        .iter()
        .filter(|b| seen.insert(b.name.as_str()))
        .collect();
    w.family(
        "node_power_supply_capacity",
        Kind::Gauge,
        "capacity value of /sys/class/power_supply/<power_supply>.",
    );
    for b in &batteries {
        if let Some(percent) = b.percent.filter(|p| p.is_finite()) {
            w.sample(&[("power_supply", &b.name)], percent);
        }
    }
    w.family(
        "node_power_supply_info",
        Kind::Gauge,
        "info of /sys/class/power_supply/<power_supply>.",
    );
    for b in &batteries {
        let mut labels = vec![("power_supply", b.name.as_str())];
        if !b.state.is_empty() {
            labels.push(("status", b.state.as_str()));
        }
        labels.push(("type", "Battery"));
        w.sample(&labels, 1.0);
    }
    w.family(
        "node_power_supply_power_watt",
        Kind::Gauge,
        "power_watt value of /sys/class/power_supply/<power_supply>.",
    );
    for b in &batteries {
        if let Some(watts) = b.power_watts.filter(|p| p.is_finite()) {
            w.sample(&[("power_supply", &b.name)], watts);
        }
    }
}

fn write_thermal_zones(w: &mut Writer, r: &HostReading) {
    w.family(
        "node_thermal_zone_temp",
        Kind::Gauge,
        "Zone temperature in Celsius",
    );
    let mut seen = BTreeSet::new();
    for z in r.thermal_zones.iter().filter(|z| z.celsius.is_finite()) {
        let zone = z.zone.strip_prefix("thermal_zone").unwrap_or(&z.zone);
        if seen.insert((zone, z.kind.as_str())) {
            w.sample(&[("type", &z.kind), ("zone", zone)], z.celsius);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsFormat;
    use crate::model::{BatteryReading, FanSensor, ThermalZone};

    fn body(r: &HostReading) -> String {
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, r);
        w.finish()
    }

    #[test]
    fn disks_are_counters_in_seconds_and_bytes() {
        let r = HostReading {
            disk_io: vec![DiskIoReading {
                name: "nvme0n1".into(),
                read_bytes: 4096,
                written_bytes: 512,
                busy_ms: 1500,
                stats: None,
            }],
            ..HostReading::default()
        };
        let text = body(&r);
        assert!(text.contains("# TYPE node_disk_read_bytes_total counter\n"));
        assert!(text.contains("node_disk_read_bytes_total{device=\"nvme0n1\"} 4096\n"));
        assert!(text.contains("node_disk_written_bytes_total{device=\"nvme0n1\"} 512\n"));
        assert!(text.contains("node_disk_io_time_seconds_total{device=\"nvme0n1\"} 1.5\n"));
    }

    #[test]
    fn unlabelled_fans_are_numbered_and_repeats_and_missing_values_left_out() {
        let fan = |label: &str, rpm: f64| FanSensor {
            chip: "nct6798".into(),
            label: label.into(),
            rpm,
            ..Default::default()
        };
        let r = HostReading {
            fans: vec![
                fan("", 900.0),
                fan("CPU", 1200.0),
                fan("CPU", 1300.0),
                fan("", f64::NAN),
                FanSensor {
                    chip: "amdgpu".into(),
                    label: String::new(),
                    rpm: 700.0,
                    ..Default::default()
                },
            ],
            ..HostReading::default()
        };
        let text = body(&r);
        assert!(text.contains("node_hwmon_fan_rpm{chip=\"nct6798\",sensor=\"fan1\"} 900\n"));
        assert!(text.contains("node_hwmon_fan_rpm{chip=\"nct6798\",sensor=\"CPU\"} 1200\n"));
        assert!(text.contains("node_hwmon_fan_rpm{chip=\"amdgpu\",sensor=\"fan1\"} 700\n"));
        assert_eq!(text.matches("node_hwmon_fan_rpm{").count(), 3, "{text}");
    }

    #[test]
    fn batteries_give_capacity_info_and_power_where_known() {
        let r = HostReading {
            batteries: vec![
                BatteryReading {
                    name: "BAT0".into(),
                    percent: Some(81.0),
                    state: "Discharging".into(),
                    power_watts: Some(7.25),
                },
                BatteryReading {
                    name: "BAT1".into(),
                    percent: None,
                    state: String::new(),
                    power_watts: None,
                },
            ],
            ..HostReading::default()
        };
        let text = body(&r);
        assert!(text.contains("node_power_supply_capacity{power_supply=\"BAT0\"} 81\n"));
        assert!(!text.contains("node_power_supply_capacity{power_supply=\"BAT1\"}"));
        assert!(text.contains(
            "node_power_supply_info{power_supply=\"BAT0\",status=\"Discharging\",type=\"Battery\"} 1\n"
        ));
        assert!(
            text.contains("node_power_supply_info{power_supply=\"BAT1\",type=\"Battery\"} 1\n")
        );
        assert!(text.contains("node_power_supply_power_watt{power_supply=\"BAT0\"} 7.25\n"));
        assert_eq!(text.matches("node_power_supply_power_watt{").count(), 1);
    }

    #[test]
    fn thermal_zones_are_labelled_by_number_and_type() {
        let r = HostReading {
            thermal_zones: vec![
                ThermalZone {
                    zone: "thermal_zone0".into(),
                    kind: "acpitz".into(),
                    celsius: 27.8,
                },
                ThermalZone {
                    zone: "thermal_zone1".into(),
                    kind: "x86_pkg_temp".into(),
                    celsius: f64::NAN,
                },
            ],
            ..HostReading::default()
        };
        let text = body(&r);
        assert!(text.contains("node_thermal_zone_temp{type=\"acpitz\",zone=\"0\"} 27.8\n"));
        assert_eq!(text.matches("node_thermal_zone_temp{").count(), 1);
    }

    #[test]
    fn a_host_without_these_devices_writes_no_families() {
        assert_eq!(body(&HostReading::default()), "");
    }
}
