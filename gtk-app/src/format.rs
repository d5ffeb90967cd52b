//! The text the panels show, as plain functions (tested without a display).

use psmonitor_core::wire::UsageStats;
use serde::{Deserialize, Serialize};

/// How sizes, rates and temperatures are written (Preferences).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Units {
    /// Network rates in bits per second (`Mbit/s`) instead of bytes (`MiB/s`).
    pub network_bits: bool,
    /// Powers of 1000 (`kB`, `MB`) instead of 1024 (`KiB`, `MiB`).
    pub base10: bool,
    /// Degrees Fahrenheit instead of Celsius.
    pub fahrenheit: bool,
}

impl Units {
    /// A byte count: `812 B`, `1.5 KiB` (or `1.5 kB` in base 10).
    pub fn bytes(self, value: f64) -> String {
        scaled(
            value,
            self.base10,
            "B",
            &BYTE_UNITS[usize::from(self.base10)],
        )
    }

    /// A byte rate: `1.5 KiB/s`, or in bits `12.0 kbit/s` (`Kibit/s` in base 2).
    pub fn net_rate(self, bytes_per_sec: f64) -> String {
        if self.network_bits {
            let units = &BIT_UNITS[usize::from(self.base10)];
            format!(
                "{}/s",
                scaled(bytes_per_sec * 8.0, self.base10, "bit", units)
            )
        } else {
            self.rate(bytes_per_sec)
        }
    }

    /// A byte rate in bytes whatever the network unit (disk I/O).
    pub fn rate(self, bytes_per_sec: f64) -> String {
        format!("{}/s", self.bytes(bytes_per_sec))
    }

    /// A temperature given in Celsius: `48.0 °C` or `118.4 °F`; `n/a` when missing.
    pub fn temp(self, celsius: Option<f64>) -> String {
        match celsius {
            None => "n/a".to_owned(),
            Some(c) if self.fahrenheit => format!("{:.1} °F", c * 9.0 / 5.0 + 32.0),
            Some(c) => format!("{c:.1} °C"),
        }
    }

    /// A value in GiB (as the wire gives sizes) as a byte count.
    pub fn gib(self, gib: f64) -> String {
        self.bytes(gib * 1024.0 * 1024.0 * 1024.0)
    }

    /// `used of total (percent)` for memory, swap or disk given in GiB.
    pub fn usage(self, u: &UsageStats) -> String {
        format!(
            "{} used of {} ({})",
            self.gib(u.used),
            self.gib(u.total),
            percent(u.percent)
        )
    }
}

const BYTE_UNITS: [[&str; 4]; 2] = [["KiB", "MiB", "GiB", "TiB"], ["kB", "MB", "GB", "TB"]];
const BIT_UNITS: [[&str; 4]; 2] = [
    ["Kibit", "Mibit", "Gibit", "Tibit"],
    ["kbit", "Mbit", "Gbit", "Tbit"],
];

fn scaled(value: f64, base10: bool, unit: &str, units: &[&str; 4]) -> String {
    let step = if base10 { 1000.0 } else { 1024.0 };
    if value < step {
        return format!("{value:.0} {unit}");
    }
    let mut v = value / step;
    let mut name = units[0];
    for next in &units[1..] {
        if v < step {
            break;
        }
        v /= step;
        name = next;
    }
    format!("{v:.1} {name}")
}

/// `14.2 %`.
pub fn percent(value: f64) -> String {
    format!("{value:.1} %")
}

/// `10.14 GB` (the wire's GiB, labelled GB like the original).
pub fn gb(value: f64) -> String {
    format!("{value:.2} GB")
}

/// `used / total GB (percent)` for memory, swap or disk.
pub fn usage(u: &UsageStats) -> String {
    format!(
        "{} used, {} free of {} ({})",
        gb(u.used),
        gb(u.free),
        gb(u.total),
        percent(u.percent)
    )
}

/// `4512 MHz`, or `n/a`.
pub fn mhz(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0} MHz"))
}

/// `48.0 °C`, or `n/a`.
pub fn celsius(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} °C"))
}

/// A byte rate: `812 B/s`, `1.5 KiB/s`, `12.3 MiB/s`.
pub fn rate(bytes_per_sec: f64) -> String {
    format!("{}/s", bytes(bytes_per_sec))
}

/// A byte count: `812 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if value < 1024.0 {
        return format!("{value:.0} B");
    }
    let mut v = value / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = next;
    }
    format!("{v:.1} {unit}")
}

/// A total given in MiB on the wire.
pub fn mib_total(mib: f64) -> String {
    bytes(mib * 1024.0 * 1024.0)
}

/// `1560.67` for the process table's MiB column.
pub fn mib(value: f64) -> String {
    format!("{value:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_missing_values() {
        assert_eq!(percent(14.2), "14.2 %");
        assert_eq!(mhz(Some(4512.2)), "4512 MHz");
        assert_eq!(mhz(None), "n/a");
        assert_eq!(celsius(None), "n/a");
        assert_eq!(celsius(Some(48.0)), "48.0 °C");
        assert_eq!(rate(812.0), "812 B/s");
        assert_eq!(rate(1536.0), "1.5 KiB/s");
        assert_eq!(mib_total(2048.0), "2.0 GiB");
        let u = UsageStats {
            total: 31.28,
            used: 10.14,
            free: 9.3,
            percent: 32.6,
        };
        assert_eq!(
            usage(&u),
            "10.14 GB used, 9.30 GB free of 31.28 GB (32.6 %)"
        );
    }

    #[test]
    fn units_follow_the_preferences() {
        let d = Units::default();
        assert_eq!(d.net_rate(1536.0), "1.5 KiB/s");
        assert_eq!(d.bytes(1024.0 * 1024.0 * 3.0), "3.0 MiB");
        let bits10 = Units {
            network_bits: true,
            base10: true,
            fahrenheit: true,
        };
        assert_eq!(bits10.net_rate(1500.0), "12.0 kbit/s");
        assert_eq!(bits10.net_rate(100.0), "800 bit/s");
        assert_eq!(bits10.rate(1500.0), "1.5 kB/s");
        assert_eq!(bits10.temp(Some(100.0)), "212.0 °F");
        assert_eq!(d.temp(Some(48.0)), "48.0 °C");
        assert_eq!(d.temp(None), "n/a");
        let bits2 = Units {
            network_bits: true,
            ..Units::default()
        };
        assert_eq!(bits2.net_rate(128.0 * 1024.0), "1.0 Mibit/s");
    }
}
