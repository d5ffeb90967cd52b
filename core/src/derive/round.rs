//! Rounding and unit conversion shared by the encoders.

/// Bytes in one GiB (the wire labels it GB).
pub const GIB: f64 = 1_073_741_824.0;

/// Bytes in one MiB (the wire labels it MB).
pub const MIB: f64 = 1_048_576.0;

/// Rounds `x` half away from zero to `decimals` places; `-0.0` comes out as `0.0`.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    // Adding 0.0 turns a negative zero into a positive one, so `-0.04` never prints as `-0.0`.
    (x * scale).round() / scale + 0.0
}

/// `bytes` in GiB, rounded to 2 decimals.
pub fn gib(bytes: u64) -> f64 {
    round_to(bytes as f64 / GIB, 2)
}

/// `part / whole` as a percent rounded to 1 decimal; `0.0` when `whole` is zero.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    round_to(part as f64 / whole as f64 * 100.0, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_to_the_given_places() {
        assert_eq!(round_to(1.005_000_1, 2), 1.01);
        assert_eq!(round_to(2.25, 1), 2.3);
        assert_eq!(round_to(-2.25, 1), -2.3);
        assert_eq!(round_to(42.0, 1), 42.0);
        assert_eq!(round_to(2.71, 0), 3.0);
    }

    #[test]
    fn negative_zero_is_normalised() {
        let r = round_to(-0.04, 1);
        assert!(r.is_sign_positive(), "got {r:?}");
        assert_eq!(serde_json::to_string(&r).unwrap(), "0.0");
    }

    #[test]
    fn gib_converts_binary_units() {
        assert_eq!(gib(1 << 30), 1.0);
        assert_eq!(gib(3 << 29), 1.5);
        // 10 MiB is 0.009765625 GiB.
        assert_eq!(gib(10 << 20), 0.01);
        assert_eq!(gib(0), 0.0);
    }

    #[test]
    fn percent_of_zero_whole_is_zero() {
        assert_eq!(percent(5, 0), 0.0);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
    }
}
