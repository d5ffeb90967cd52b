//! `/proc/pressure/{cpu,io,memory}`: pressure stall totals (node_exporter's `pressure`
//! collector).

use psmonitor_core::model::PressureReading;

/// Parses one pressure file: the `total=` of its `some` line and, when present, of its `full`
/// line, in microseconds. `None` when the `some` total is missing or malformed; a malformed
/// `full` line gives `full_us: None`.
pub fn parse_pressure(resource: &str, text: &str) -> Option<PressureReading> {
    let total = |kind: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))
            .and_then(|rest| {
                rest.split_ascii_whitespace()
                    .find_map(|f| f.strip_prefix("total="))
            })
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some(PressureReading {
        resource: resource.to_owned(),
        some_us: total("some")?,
        full_us: total("full"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_some_and_full_totals() {
        let io = parse_pressure(
            "io",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=2922132\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=2440740\n",
        )
        .unwrap();
        assert_eq!((io.some_us, io.full_us), (2_922_132, Some(2_440_740)));
        let cpu =
            parse_pressure("cpu", "some avg10=1.00 avg60=0.00 avg300=0.00 total=7\n").unwrap();
        assert_eq!(
            (cpu.resource.as_str(), cpu.some_us, cpu.full_us),
            ("cpu", 7, None)
        );
    }

    #[test]
    fn missing_or_malformed_totals_give_nothing() {
        assert_eq!(parse_pressure("io", ""), None);
        assert_eq!(parse_pressure("io", "some avg10=0.00 total=x\n"), None);
        assert_eq!(parse_pressure("io", "some avg10=0.00 avg60=0.00\n"), None);
        let p = parse_pressure("io", "some total=5\nfull total=\n").unwrap();
        assert_eq!(p.full_us, None);
    }
}
