//! CPU usage over an interval, load average, frequency and the best CPU temperature sensor.
//!
//! Temperature preference, first match wins (chip names as in `/sys/class/hwmon/*/name`):
//! 1. `coretemp` (Intel): `Package id 0`, else the hottest of its other sensors (`Core N`, other packages);
//! 2. `k10temp` / `zenpower` (AMD): `Tdie`, else `Tctl`, else the hottest `Tccd` (`Tdie` first because
//!    `Tctl` carries a fan-control offset on some parts);
//! 3. `cpu_thermal` / `soc_thermal` (ARM boards such as the Raspberry Pi), hottest sensor.
//!
//! `acpitz` is deliberately not used: it is an ACPI board zone that on many desktops and VMs reports
//! a constant (27.8 °C is common), and a plausible wrong number is worse than `null`. Sensors of other
//! chips (`nvme`, `amdgpu`, `iwlwifi_1`, ...) never count, nor do non-finite readings.

use crate::model::{CpuReading, CpuTimes, TempSensor};
use crate::wire::CpuStats;

use super::round::round_to;

/// Busy ticks: user, nice, system, irq, softirq and steal.
fn busy(t: &CpuTimes) -> u64 {
    [t.user, t.nice, t.system, t.irq, t.softirq, t.steal]
        .into_iter()
        .fold(0u64, u64::saturating_add)
}

/// Idle ticks: idle and iowait.
fn idle(t: &CpuTimes) -> u64 {
    t.idle.saturating_add(t.iowait)
}

/// Percent busy between two readings of the same CPU, 1 decimal.
///
/// Counters that went backwards count as no change, so the result is `0.0`, never a panic; no
/// elapsed ticks at all also gives `0.0`.
pub fn usage_percent(prev: &CpuTimes, cur: &CpuTimes) -> f64 {
    let d_busy = busy(cur).saturating_sub(busy(prev));
    let d_idle = idle(cur).saturating_sub(idle(prev));
    let total = d_busy.saturating_add(d_idle);
    if total == 0 {
        return 0.0;
    }
    round_to(d_busy as f64 / total as f64 * 100.0, 1)
}

/// Chip names of Intel, AMD and ARM CPU sensors, in order of preference.
const INTEL: &[&str] = &["coretemp"];
const AMD: &[&str] = &["k10temp", "zenpower"];
const ARM: &[&str] = &["cpu_thermal", "cpu-thermal", "soc_thermal", "soc-thermal"];

/// The hottest finite reading among `sensors` that pass `keep`.
fn hottest<'a>(
    sensors: impl Iterator<Item = &'a TempSensor>,
    keep: impl Fn(&TempSensor) -> bool,
) -> Option<f64> {
    sensors
        .filter(|s| s.celsius.is_finite() && keep(s))
        .map(|s| s.celsius)
        .reduce(f64::max)
}

/// Degrees Celsius of the best CPU sensor, rounded to 1 decimal, or `None` when there is none.
pub fn cpu_temp(sensors: &[TempSensor]) -> Option<f64> {
    let of_chips = |chips: &'static [&'static str]| {
        sensors
            .iter()
            .filter(move |s| chips.contains(&s.chip.as_str()))
    };
    let label_is = |label: &'static str| move |s: &TempSensor| s.label == label;
    let best = hottest(of_chips(INTEL), label_is("Package id 0"))
        .or_else(|| hottest(of_chips(INTEL), |_| true))
        .or_else(|| hottest(of_chips(AMD), label_is("Tdie")))
        .or_else(|| hottest(of_chips(AMD), label_is("Tctl")))
        .or_else(|| hottest(of_chips(AMD), |s| s.label.starts_with("Tccd")))
        .or_else(|| hottest(of_chips(ARM), |_| true));
    best.map(|c| round_to(c, 1))
}

/// The CPU figures of `cur`, with usage over the interval since `prev`.
///
/// A core missing from `prev` (hot-plugged) shows `0.0` for this interval.
pub fn cpu_stats(prev: &CpuReading, cur: &CpuReading, load_average: [f64; 3]) -> CpuStats {
    let cores = cur
        .cores
        .iter()
        .enumerate()
        .map(|(i, now)| {
            prev.cores
                .get(i)
                .map_or(0.0, |before| usage_percent(before, now))
        })
        .collect();
    CpuStats {
        usage: usage_percent(&prev.total, &cur.total),
        temp: cpu_temp(&cur.sensors),
        freq: cur.freq_mhz.map(|mhz| round_to(mhz, 1)),
        cores,
        load: load_average.map(|l| round_to(l, 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(user: u64, system: u64, idle: u64) -> CpuTimes {
        CpuTimes {
            user,
            system,
            idle,
            ..CpuTimes::default()
        }
    }

    fn sensor(chip: &str, label: &str, celsius: f64) -> TempSensor {
        TempSensor {
            chip: chip.into(),
            label: label.into(),
            celsius,
            ..Default::default()
        }
    }

    #[test]
    fn usage_counts_every_busy_and_idle_field() {
        let prev = CpuTimes::default();
        // busy = 1+2+3+4+5+6 = 21, idle = 60+19 = 79 -> 21 %.
        let cur = CpuTimes {
            user: 1,
            nice: 2,
            system: 3,
            irq: 4,
            softirq: 5,
            steal: 6,
            idle: 60,
            iowait: 19,
        };
        assert_eq!(usage_percent(&prev, &cur), 21.0);
    }

    #[test]
    fn usage_is_over_the_interval_and_rounded_to_one_decimal() {
        let prev = times(1_000, 500, 10_000);
        // Δbusy = 10 + 5 = 15, Δidle = 30 -> 33.333 %.
        let cur = times(1_010, 505, 10_030);
        assert_eq!(usage_percent(&prev, &cur), 33.3);
    }

    #[test]
    fn no_elapsed_ticks_is_zero() {
        let t = times(5, 5, 5);
        assert_eq!(usage_percent(&t, &t), 0.0);
    }

    #[test]
    fn counters_going_backwards_saturate() {
        let prev = times(1_000, 1_000, 1_000);
        let cur = times(10, 10, 10);
        assert_eq!(usage_percent(&prev, &cur), 0.0);
        // Busy went back but idle advanced: all of the interval counts as idle.
        assert_eq!(usage_percent(&prev, &times(10, 10, 1_100)), 0.0);
        // Idle went back but busy advanced: all busy.
        assert_eq!(usage_percent(&prev, &times(1_050, 1_000, 10)), 100.0);
    }

    #[test]
    fn huge_counters_do_not_overflow() {
        let prev = CpuTimes {
            user: u64::MAX - 10,
            nice: u64::MAX,
            ..CpuTimes::default()
        };
        let cur = CpuTimes {
            user: u64::MAX,
            nice: u64::MAX,
            idle: 5,
            ..CpuTimes::default()
        };
        let u = usage_percent(&prev, &cur);
        assert!((0.0..=100.0).contains(&u), "{u}");
    }

    #[test]
    fn coretemp_package_beats_cores_and_other_chips() {
        let sensors = [
            sensor("nvme", "Composite", 60.0),
            sensor("coretemp", "Core 0", 70.0),
            sensor("coretemp", "Package id 0", 48.26),
            sensor("k10temp", "Tctl", 90.0),
        ];
        assert_eq!(cpu_temp(&sensors), Some(48.3));
    }

    #[test]
    fn coretemp_without_package_takes_the_hottest_core() {
        let sensors = [
            sensor("coretemp", "Core 0", 41.0),
            sensor("coretemp", "Core 1", 44.5),
            sensor("coretemp", "Core 2", 43.0),
        ];
        assert_eq!(cpu_temp(&sensors), Some(44.5));
    }

    #[test]
    fn amd_prefers_tdie_then_tctl_then_ccd() {
        let tctl = sensor("k10temp", "Tctl", 61.0);
        let tdie = sensor("k10temp", "Tdie", 51.0);
        let ccd1 = sensor("k10temp", "Tccd1", 55.0);
        let ccd2 = sensor("zenpower", "Tccd2", 57.0);
        assert_eq!(cpu_temp(&[tctl.clone(), tdie, ccd1.clone()]), Some(51.0));
        assert_eq!(cpu_temp(&[ccd1.clone(), tctl]), Some(61.0));
        assert_eq!(cpu_temp(&[ccd1, ccd2]), Some(57.0));
    }

    #[test]
    fn arm_thermal_zone_is_used_when_nothing_better() {
        let sensors = [
            sensor("soc_thermal", "", 39.44),
            sensor("nvme", "Composite", 30.0),
        ];
        assert_eq!(cpu_temp(&sensors), Some(39.4));
        assert_eq!(cpu_temp(&[sensor("cpu_thermal", "", 50.0)]), Some(50.0));
    }

    #[test]
    fn non_cpu_sensors_and_acpitz_give_none() {
        let sensors = [
            sensor("nvme", "Composite", 38.9),
            sensor("amdgpu", "edge", 45.0),
            sensor("iwlwifi_1", "", 41.0),
            sensor("acpitz", "", 27.8),
        ];
        assert_eq!(cpu_temp(&sensors), None);
        assert_eq!(cpu_temp(&[]), None);
    }

    #[test]
    fn non_finite_readings_are_skipped() {
        let sensors = [
            sensor("coretemp", "Package id 0", f64::NAN),
            sensor("coretemp", "Core 0", 40.0),
        ];
        assert_eq!(cpu_temp(&sensors), Some(40.0));
    }

    #[test]
    fn stats_fill_cores_load_and_freq() {
        let prev = CpuReading {
            total: times(0, 0, 0),
            cores: vec![times(0, 0, 0), times(0, 0, 0)],
            ..CpuReading::default()
        };
        let cur = CpuReading {
            total: times(30, 0, 70),
            cores: vec![times(10, 0, 40), times(20, 0, 30), times(5, 0, 5)],
            freq_mhz: Some(2_593.912),
            sensors: vec![],
        };
        let stats = cpu_stats(&prev, &cur, [0.123, 1.005_01, 12.0]);
        assert_eq!(stats.usage, 30.0);
        assert_eq!(stats.cores, vec![20.0, 40.0, 0.0]);
        assert_eq!(stats.freq, Some(2_593.9));
        assert_eq!(stats.load, [0.12, 1.01, 12.0]);
        assert_eq!(stats.temp, None);
        let no_freq = cpu_stats(
            &prev,
            &CpuReading {
                freq_mhz: None,
                ..cur
            },
            [0.0; 3],
        );
        assert_eq!(no_freq.freq, None);
    }
}
