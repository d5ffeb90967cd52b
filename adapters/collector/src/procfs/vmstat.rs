//! `/proc/vmstat`: node_exporter's default fields (its `vmstat` collector).

use psmonitor_core::model::Field;

/// Whether node_exporter reports a `/proc/vmstat` field by default (its default
/// `--collector.vmstat.fields` is `^(oom_kill|pgpg|pswp|pg.*fault).*`).
pub fn is_default_field(name: &str) -> bool {
    ["oom_kill", "pgpg", "pswp"]
        .iter()
        .any(|p| name.starts_with(p))
        || name
            .strip_prefix("pg")
            .is_some_and(|rest| rest.contains("fault"))
}

/// Parses the default fields of `/proc/vmstat` (`name value` lines), in file order; a line
/// with another column count or a non-numeric value is skipped.
pub fn parse_vmstat(text: &str) -> Vec<Field> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_ascii_whitespace();
            let (name, value) = (parts.next()?, parts.next()?);
            if parts.next().is_some() || !is_default_field(name) {
                return None;
            }
            #[allow(clippy::cast_precision_loss)] // node_exporter reports a float64
            let value = value.parse::<u64>().ok()? as f64;
            Some(Field {
                name: name.to_owned(),
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_node_exporters_default_fields() {
        let fields = parse_vmstat(
            "nr_free_pages 12\npgpgin 1496685\npgpgout 3\npswpin 0\npswpout 0\npgfault 15533285\npgmajfault 1123\noom_kill 2\npgfree 9\nthp_fault_alloc 4\n",
        );
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "pgpgin",
                "pgpgout",
                "pswpin",
                "pswpout",
                "pgfault",
                "pgmajfault",
                "oom_kill"
            ]
        );
        assert_eq!(fields[6].value, 2.0);
    }

    #[test]
    fn malformed_lines_are_left_out() {
        let fields = parse_vmstat("pgfault\npgmajfault x\noom_kill 1 2\npgpgin 5\n");
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].name, "pgpgin");
        assert!(parse_vmstat("").is_empty());
    }
}
