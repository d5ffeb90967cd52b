//! [`Backoff`]: exponential delays with jitter, capped, reset after a success.

use std::time::Duration;

/// First delay before jitter.
pub const BASE_DELAY: Duration = Duration::from_millis(500);

/// Delays between reconnection attempts: `base * 2^n` capped at `max`, each drawn in `[d/2, d]`.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Starts at [`BASE_DELAY`] (or `max` if smaller), never above `max`.
    pub fn new(max: Duration, rng: fastrand::Rng) -> Self {
        Self {
            base: BASE_DELAY.min(max),
            max,
            attempt: 0,
            rng,
        }
    }

    /// The delay before the next attempt; each call doubles the ceiling until `max`.
    #[must_use]
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(self.rng.u64(0..=spread))
    }

    /// Back to the first delay, after a successful connection.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_is_capped_and_resets() {
        let max = Duration::from_secs(30);
        let mut b = Backoff::new(max, fastrand::Rng::with_seed(1));
        let delays: Vec<_> = (0..12).map(|_| b.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            let ceiling = (BASE_DELAY * 2u32.pow(n as u32)).min(max);
            assert!(*d >= ceiling / 2 && *d <= ceiling, "{n}: {d:?}");
        }
        assert!(delays[11] >= max / 2);
        b.reset();
        assert!(b.next_delay() <= BASE_DELAY);
    }

    #[test]
    fn jitter_spreads_the_delays() {
        let mut b = Backoff::new(Duration::from_secs(30), fastrand::Rng::with_seed(7));
        let d: Vec<_> = (0..5)
            .map(|_| {
                b.reset();
                b.next_delay()
            })
            .collect();
        assert!(d.windows(2).any(|w| w[0] != w[1]), "{d:?}");
    }

    #[test]
    fn a_small_cap_wins_over_the_base() {
        let mut b = Backoff::new(Duration::from_millis(100), fastrand::Rng::with_seed(3));
        for _ in 0..5 {
            assert!(b.next_delay() <= Duration::from_millis(100));
        }
    }
}
