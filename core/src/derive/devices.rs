//! Disk I/O rates, sensors, GPUs and batteries as shown on the wire.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{BatteryReading, DiskIoReading, FanSensor, GpuReading, TempSensor, ThermalZone};
use crate::wire::{
    BatteryStats, DiskIoStats, FanStats, GpuStats, SensorStats, TempStats, ZoneStats,
};

use super::network::rate_per_sec;
use super::round::{MIB, round_to};

/// Each device's read and write rates and busy percent over `elapsed` since `prev` (matched by
/// name). A device new in `cur` shows rates of `0.0` and a `null` busy percent, like a new
/// network interface.
pub fn disk_io_stats(
    prev: &[DiskIoReading],
    cur: &[DiskIoReading],
    elapsed: Duration,
) -> Vec<DiskIoStats> {
    let before: BTreeMap<&str, &DiskIoReading> =
        prev.iter().map(|d| (d.name.as_str(), d)).collect();
    cur.iter()
        .map(|d| {
            let p = before.get(d.name.as_str());
            let ms = elapsed.as_secs_f64() * 1000.0;
            let busy_percent = p
                .and_then(|p| d.busy_ms.checked_sub(p.busy_ms))
                .filter(|_| ms > 0.0)
                .map(|busy| round_to((busy as f64 / ms * 100.0).min(100.0), 1));
            DiskIoStats {
                name: d.name.clone(),
                read_bytes_per_sec: rate_per_sec(p.map(|p| p.read_bytes), d.read_bytes, elapsed),
                write_bytes_per_sec: rate_per_sec(
                    p.map(|p| p.written_bytes),
                    d.written_bytes,
                    elapsed,
                ),
                busy_percent,
            }
        })
        .collect()
}

/// Every temperature (finite readings only), fan and thermal zone, in reading order.
pub fn sensor_stats(
    temps: &[TempSensor],
    fans: &[FanSensor],
    zones: &[ThermalZone],
) -> SensorStats {
    SensorStats {
        temps: temps
            .iter()
            .filter(|t| t.celsius.is_finite())
            .map(|t| TempStats {
                chip: t.chip.clone(),
                label: t.label.clone(),
                celsius: round_to(t.celsius, 1),
            })
            .collect(),
        fans: fans
            .iter()
            .filter(|f| f.rpm.is_finite())
            .map(|f| FanStats {
                chip: f.chip.clone(),
                label: f.label.clone(),
                rpm: round_to(f.rpm, 0),
            })
            .collect(),
        zones: zones
            .iter()
            .filter(|z| z.celsius.is_finite())
            .map(|z| ZoneStats {
                zone: z.zone.clone(),
                kind: z.kind.clone(),
                celsius: round_to(z.celsius, 1),
            })
            .collect(),
    }
}

/// A value rounded to `decimals`, `None` when absent or not finite.
fn finite(value: Option<f64>, decimals: i32) -> Option<f64> {
    value
        .filter(|v| v.is_finite())
        .map(|v| round_to(v, decimals))
}

/// One GPU: VRAM in MiB (2 decimals), busy and temperature 1 decimal, power in watts 1 decimal.
pub fn gpu_stats(g: &GpuReading) -> GpuStats {
    let mib = |bytes: Option<u64>| bytes.map(|b| round_to(b as f64 / MIB, 2));
    GpuStats {
        vendor: g.vendor.clone(),
        name: g.name.clone(),
        driver: g.driver.clone(),
        bus: g.bus.clone(),
        busy: finite(g.busy_percent, 1),
        vram_used: mib(g.vram_used),
        vram_total: mib(g.vram_total),
        temp: finite(g.celsius, 1),
        power: finite(g.power_watts, 1),
    }
}

/// One battery: percent 1 decimal, power in watts 2 decimals.
pub fn battery_stats(b: &BatteryReading) -> BatteryStats {
    BatteryStats {
        name: b.name.clone(),
        percent: finite(b.percent, 1),
        state: b.state.clone(),
        power: finite(b.power_watts, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(name: &str, read: u64, written: u64, busy: u64) -> DiskIoReading {
        DiskIoReading {
            name: name.into(),
            read_bytes: read,
            written_bytes: written,
            busy_ms: busy,
            stats: None,
        }
    }

    #[test]
    fn disk_rates_and_busy_percent_over_the_interval() {
        let prev = [disk("sda", 1_000, 0, 100), disk("nvme0n1", 0, 0, 0)];
        let cur = [
            disk("nvme0n1", 4_096, 8_192, 250),
            disk("sda", 1_000, 0, 5_000),
            disk("sdb", 10, 10, 10),
        ];
        let stats = disk_io_stats(&prev, &cur, Duration::from_millis(500));
        assert_eq!(stats[0].read_bytes_per_sec, 8_192.0);
        assert_eq!(stats[0].write_bytes_per_sec, 16_384.0);
        assert_eq!(stats[0].busy_percent, Some(50.0));
        assert_eq!(stats[1].busy_percent, Some(100.0), "capped at 100");
        assert_eq!(stats[2].read_bytes_per_sec, 0.0);
        assert_eq!(stats[2].busy_percent, None, "new device");
        let reset = disk_io_stats(&cur, &prev, Duration::from_secs(1));
        assert_eq!(reset[0].busy_percent, None, "counter went backwards");
        assert_eq!(
            disk_io_stats(&prev, &prev, Duration::ZERO)[0].busy_percent,
            None
        );
    }

    #[test]
    fn non_finite_values_are_left_out_or_null() {
        let temps = [
            TempSensor {
                chip: "k10temp".into(),
                label: "Tctl".into(),
                celsius: 48.625,
                ..Default::default()
            },
            TempSensor {
                chip: "x".into(),
                label: String::new(),
                celsius: f64::NAN,
                ..Default::default()
            },
        ];
        let s = sensor_stats(&temps, &[], &[]);
        assert_eq!(s.temps.len(), 1);
        assert_eq!(s.temps[0].celsius, 48.6);
        let g = gpu_stats(&GpuReading {
            busy_percent: Some(f64::INFINITY),
            vram_used: Some(3 << 29),
            power_watts: Some(45.04),
            ..GpuReading::default()
        });
        assert_eq!(
            (g.busy, g.vram_used, g.power),
            (None, Some(1536.0), Some(45.0))
        );
        let b = battery_stats(&BatteryReading {
            percent: None,
            power_watts: Some(9.456),
            ..BatteryReading::default()
        });
        assert_eq!((b.percent, b.power), (None, Some(9.46)));
    }
}
