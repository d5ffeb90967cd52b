//! `/proc/loadavg`, `/proc/uptime` and the `cpu MHz` lines of `/proc/cpuinfo`.

/// Parses the three load averages of `/proc/loadavg`; a missing or malformed one is 0.
pub fn parse_loadavg(text: &str) -> [f64; 3] {
    let mut fields = text.split_ascii_whitespace().map(|f| {
        f.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .unwrap_or(0.0)
    });
    [(); 3].map(|()| fields.next().unwrap_or(0.0))
}

/// The newest pid the kernel handed out (the fifth field of `/proc/loadavg`); `None` when
/// malformed. While it stays the same, no process (or thread) was created.
pub fn parse_loadavg_last_pid(text: &str) -> Option<u32> {
    text.split_ascii_whitespace().nth(4)?.parse().ok()
}

/// Parses whole seconds since boot from the first field of `/proc/uptime`; 0 when malformed.
pub fn parse_uptime(text: &str) -> u64 {
    let first = text.split_ascii_whitespace().next().unwrap_or("");
    let whole = first.split('.').next().unwrap_or("");
    whole.parse().unwrap_or(0)
}

/// Averages the `cpu MHz` lines of `/proc/cpuinfo`; `None` when there are none (e.g. on arm64).
pub fn parse_cpuinfo_mhz(text: &str) -> Option<f64> {
    let values: Vec<f64> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "cpu MHz").then_some(())?;
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
        })
        .collect();
    average(&values)
}

/// The mean of `values`, `None` when empty.
pub fn average(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // a count of CPUs is far below 2^52
    let count = values.len() as f64;
    Some(values.iter().sum::<f64>() / count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_load_average() {
        assert_eq!(
            parse_loadavg("1.09 0.37 0.16 5/107 8599\n"),
            [1.09, 0.37, 0.16]
        );
    }

    #[test]
    fn reads_the_newest_pid_from_load_average() {
        assert_eq!(
            parse_loadavg_last_pid("0.30 0.95 2.59 1/154 10347\n"),
            Some(10_347)
        );
        assert_eq!(parse_loadavg_last_pid("0.30 0.95 2.59 1/154\n"), None);
        assert_eq!(parse_loadavg_last_pid("0.30 0.95 2.59 1/154 x\n"), None);
        assert_eq!(parse_loadavg_last_pid(""), None);
    }

    #[test]
    fn malformed_load_average_is_zero() {
        assert_eq!(parse_loadavg("1.5 x\n"), [1.5, 0.0, 0.0]);
        assert_eq!(parse_loadavg("inf -1 NaN"), [0.0; 3]);
        assert_eq!(parse_loadavg(""), [0.0; 3]);
    }

    #[test]
    fn reads_whole_seconds_of_uptime() {
        assert_eq!(parse_uptime("396.91 644.92\n"), 396);
        assert_eq!(parse_uptime("12 3"), 12);
        assert_eq!(parse_uptime("garbage"), 0);
        assert_eq!(parse_uptime(""), 0);
    }

    #[test]
    fn averages_cpuinfo_frequencies() {
        let text = "processor\t: 0\ncpu MHz\t\t: 2000.000\n\nprocessor\t: 1\ncpu MHz\t\t: 3000.5\n";
        assert_eq!(parse_cpuinfo_mhz(text), Some(2500.25));
        assert_eq!(parse_cpuinfo_mhz("processor : 0\nBogoMIPS : 50\n"), None);
        assert_eq!(parse_cpuinfo_mhz("cpu MHz : fast\ncpu MHz :\n"), None);
    }
}
