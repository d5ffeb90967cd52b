//! Latency percentiles: nearest-rank over every sample, no histogram, no interpolation.

use std::time::Duration;

use serde::Serialize;

/// The `p`-th percentile (0 < p <= 100) of sorted samples by the nearest-rank method:
/// the smallest sample with at least `p` % of the samples at or below it. `None` when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// What one kind of request measured: counts and latency percentiles in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Requests answered with the expected status.
    pub ok: u64,
    /// Requests that failed (transport error, timeout or unexpected status).
    pub errors: u64,
    /// Requests not sent because too many were in flight (login load only).
    pub skipped: u64,
    /// Successful requests per second over the window.
    pub rate: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest request.
    pub max_ms: f64,
    /// The first error seen, if any.
    pub first_error: Option<String>,
}

/// Latencies and failures collected by one probe.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Latency of each successful request.
    pub latencies: Vec<Duration>,
    /// Failed requests.
    pub errors: u64,
    /// Requests skipped because too many were in flight.
    pub skipped: u64,
    /// The first failure's text.
    pub first_error: Option<String>,
}

impl Samples {
    /// Records one failure, keeping the first message.
    pub fn fail(&mut self, error: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error.to_string());
        }
    }

    /// Sorts the latencies and summarises them over a window of `window` length.
    pub fn summarize(mut self, window: Duration) -> LatencySummary {
        self.latencies.sort_unstable();
        let ms = |p: f64| percentile(&self.latencies, p).map_or(0.0, |d| d.as_secs_f64() * 1e3);
        let ok = self.latencies.len() as u64;
        LatencySummary {
            ok,
            errors: self.errors,
            skipped: self.skipped,
            rate: if window.is_zero() {
                0.0
            } else {
                ok as f64 / window.as_secs_f64()
            },
            p50_ms: ms(50.0),
            p90_ms: ms(90.0),
            p99_ms: ms(99.0),
            max_ms: ms(100.0),
            first_error: self.first_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let one_to_hundred = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(
            percentile(&one_to_hundred, 50.0),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            percentile(&one_to_hundred, 99.0),
            Some(Duration::from_millis(99))
        );
        assert_eq!(
            percentile(&one_to_hundred, 100.0),
            Some(Duration::from_millis(100))
        );
        let few = ms(&[1, 2, 3, 4, 5]);
        assert_eq!(percentile(&few, 50.0), Some(Duration::from_millis(3)));
        assert_eq!(percentile(&few, 90.0), Some(Duration::from_millis(5)));
        assert_eq!(percentile(&few, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summary_sorts_and_counts() {
        let mut s = Samples {
            latencies: ms(&[9, 1, 5, 3, 7]),
            ..Samples::default()
        };
        s.fail("first");
        s.fail("second");
        let sum = s.summarize(Duration::from_secs(5));
        assert_eq!((sum.ok, sum.errors), (5, 2));
        assert_eq!(sum.first_error.as_deref(), Some("first"));
        assert!((sum.rate - 1.0).abs() < 1e-9);
        assert!((sum.p50_ms - 5.0).abs() < 1e-9);
        assert!((sum.max_ms - 9.0).abs() < 1e-9);
        assert_eq!(Samples::default().summarize(Duration::ZERO).p99_ms, 0.0);
    }
}
