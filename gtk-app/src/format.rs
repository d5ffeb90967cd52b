//! The text the panels show, as plain functions (tested without a display).

use psmonitor_core::wire::UsageStats;

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
}
