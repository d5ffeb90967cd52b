//! Every `/proc/meminfo` line under node_exporter's names (its `meminfo` collector).

use psmonitor_core::model::Field;

/// Parses every line of `/proc/meminfo`: `Active(anon):  98304 kB` becomes
/// `Active_anon_bytes` = 98304 × 1024, a line without a unit (`HugePages_Total:  0`) keeps its
/// name and value. A line without `:`, without a number, or with a unit other than `kB` is
/// skipped (that series is absent, the rest are read); a repeated name keeps its first value.
pub fn parse_meminfo_fields(text: &str) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let mut parts = rest.split_ascii_whitespace();
        let Some(value) = parts.next().and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_()".contains(c))
        {
            continue;
        }
        let mut name = key.replace('(', "_").replace(')', "");
        #[allow(clippy::cast_precision_loss)] // as node_exporter: a float64 of the value
        let value = match (parts.next(), parts.next()) {
            (None, _) => value as f64,
            (Some("kB"), None) => {
                name.push_str("_bytes");
                value as f64 * 1024.0
            }
            _ => continue,
        };
        if fields.iter().all(|f| f.name != name) {
            fields.push(Field { name, value });
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(fields: &[Field], name: &str) -> Option<f64> {
        fields.iter().find(|f| f.name == name).map(|f| f.value)
    }

    #[test]
    fn names_and_units_follow_node_exporter() {
        let fields = parse_meminfo_fields(
            "MemTotal:       24684168 kB\nActive(anon):      98304 kB\nHugePages_Total:       3\nHugepagesize:       2048 kB\n",
        );
        assert_eq!(get(&fields, "MemTotal_bytes"), Some(24_684_168.0 * 1024.0));
        assert_eq!(get(&fields, "Active_anon_bytes"), Some(98_304.0 * 1024.0));
        assert_eq!(get(&fields, "HugePages_Total"), Some(3.0));
        assert_eq!(get(&fields, "Hugepagesize_bytes"), Some(2_097_152.0));
        assert_eq!(fields.len(), 4);
    }

    #[test]
    fn truncated_malformed_or_odd_lines_are_left_out_not_guessed() {
        let fields = parse_meminfo_fields(
            "MemTotal: 10 kB\nMemFree:\nCached: lots kB\nBuffers: 5 MB\nOdd name: 3 kB\nno colon 5\nMemTotal: 99 kB\nSwapTotal: 7 kB extra\nDirty: 1",
        );
        assert_eq!(get(&fields, "MemTotal_bytes"), Some(10_240.0));
        assert_eq!(get(&fields, "Dirty"), Some(1.0));
        assert_eq!(fields.len(), 2, "{fields:?}");
        assert!(parse_meminfo_fields("").is_empty());
    }
}
