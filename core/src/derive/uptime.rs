//! The uptime text: `"2 days, 3 hrs, 1 min, 5 secs"`.

/// Formats `secs` as days, hours, minutes and seconds, leaving zero parts out.
///
/// Each part is singular for exactly 1 (`1 day`, `1 hr`, `1 min`, `1 sec`) and plural otherwise;
/// zero seconds in total gives `"0 secs"`.
pub fn uptime_text(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "day", "days"),
        (secs % 86_400 / 3_600, "hr", "hrs"),
        (secs % 3_600 / 60, "min", "mins"),
        (secs % 60, "sec", "secs"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|&(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
    if text.is_empty() {
        "0 secs".to_owned()
    } else {
        text.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::uptime_text;

    #[test]
    fn matches_the_design_example() {
        assert_eq!(uptime_text(3 * 60 + 50), "3 mins, 50 secs");
    }

    #[test]
    fn all_parts_plural() {
        assert_eq!(
            uptime_text(2 * 86_400 + 3 * 3_600 + 2 * 60 + 5),
            "2 days, 3 hrs, 2 mins, 5 secs"
        );
    }

    #[test]
    fn exactly_one_is_singular_for_every_part() {
        assert_eq!(
            uptime_text(86_400 + 3_600 + 60 + 1),
            "1 day, 1 hr, 1 min, 1 sec"
        );
    }

    #[test]
    fn zero_parts_are_left_out() {
        assert_eq!(uptime_text(86_400), "1 day");
        assert_eq!(uptime_text(2 * 86_400 + 7), "2 days, 7 secs");
        assert_eq!(uptime_text(3_600 + 120), "1 hr, 2 mins");
    }

    #[test]
    fn zero_seconds_is_zero_secs() {
        assert_eq!(uptime_text(0), "0 secs");
    }

    #[test]
    fn large_uptime_keeps_counting_days() {
        assert_eq!(uptime_text(400 * 86_400 + 59), "400 days, 59 secs");
    }
}
