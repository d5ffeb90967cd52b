//! The failed-login limiter, keyed by client address.
//!
//! The first [`FREE_FAILURES`] failures cost nothing. After that every attempt must wait a back-off
//! that doubles with each failure (1 s, 2 s, 4 s, ... capped at [`MAX_BACKOFF`]) counted from the
//! last failure; attempts made earlier are refused without verifying anything. Attempts still being
//! verified count as failures until they finish, so parallel guesses cannot slip past the limit.
//! A success forgets the address. IPv6 clients are counted per /64 (one host usually owns a whole
//! /64), IPv4-mapped IPv6 addresses as their IPv4 address. Memory is bounded: entries idle for [`MAX_BACKOFF`] age out and,
//! when the table is full, the least recently seen entry is evicted.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures allowed before back-off starts.
pub const FREE_FAILURES: u32 = 5;
/// The longest back-off, and how long an idle entry is remembered.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// The default number of addresses remembered.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// An attempt refused for now: try again after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// The `Retry-After` header value: whole seconds, rounded up, at least 1.
    #[must_use]
    pub fn header_secs(self) -> u64 {
        let secs = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        secs.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    in_flight: u32,
    last_failure: Option<Instant>,
    last_seen: Instant,
}

/// Counts failed logins per address and says when the next attempt may run.
#[derive(Debug)]
pub struct LoginLimiter {
    capacity: usize,
    entries: HashMap<IpAddr, Entry>,
    by_age: BTreeSet<(Instant, IpAddr)>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

/// The address a client is counted under: IPv4 as is, IPv6 by its /64 prefix.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// The back-off after `failures` failures, zero while they are still free.
fn backoff(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(20);
    Duration::from_secs(1u64 << doublings).min(MAX_BACKOFF)
}

impl LoginLimiter {
    /// A limiter remembering at most `capacity` addresses (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            by_age: BTreeSet::new(),
        }
    }

    /// Addresses currently remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no address is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Starts an attempt from `ip`: `Ok` means verify it (and later call [`Self::finish`]),
    /// `Err` means answer 429 with the given delay.
    pub fn begin(&mut self, ip: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        let ip = client_key(ip);
        self.age_out(now);
        let mut entry = self.entries.get(&ip).copied().unwrap_or(Entry {
            failures: 0,
            in_flight: 0,
            last_failure: None,
            last_seen: now,
        });
        let counted = entry.failures.saturating_add(entry.in_flight);
        if counted >= FREE_FAILURES {
            if entry.in_flight > 0 {
                // The outcome of a running attempt decides the next back-off.
                return Err(RetryAfter(backoff(counted).max(Duration::from_secs(1))));
            }
            if let Some(last) = entry.last_failure {
                let until = last + backoff(entry.failures);
                if now < until {
                    return Err(RetryAfter(until - now));
                }
            }
        }
        entry.in_flight += 1;
        self.store(ip, entry, now);
        Ok(())
    }

    /// Ends an attempt begun with [`Self::begin`]: a success forgets `ip`, a failure counts.
    pub fn finish(&mut self, ip: IpAddr, now: Instant, success: bool) {
        let ip = client_key(ip);
        let Some(mut entry) = self.entries.get(&ip).copied() else {
            // Evicted meanwhile; a failure still counts from scratch.
            if !success {
                let entry = Entry {
                    failures: 1,
                    in_flight: 0,
                    last_failure: Some(now),
                    last_seen: now,
                };
                self.age_out(now);
                self.store(ip, entry, now);
            }
            return;
        };
        if success {
            self.remove(ip);
            return;
        }
        entry.in_flight = entry.in_flight.saturating_sub(1);
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = Some(now);
        self.store(ip, entry, now);
    }

    /// Failed logins counted for `ip` (its back-off's measure), for ordering waiting logins.
    #[must_use]
    pub fn failures(&self, ip: IpAddr) -> u32 {
        self.entries
            .get(&client_key(ip))
            .map_or(0, |entry| entry.failures)
    }

    /// Ends an attempt begun with [`Self::begin`] that was never verified (the server was too
    /// busy): it counts neither way.
    pub fn cancel(&mut self, ip: IpAddr, now: Instant) {
        let ip = client_key(ip);
        if let Some(mut entry) = self.entries.get(&ip).copied() {
            entry.in_flight = entry.in_flight.saturating_sub(1);
            self.store(ip, entry, now);
        }
    }

    fn remove(&mut self, ip: IpAddr) {
        if let Some(old) = self.entries.remove(&ip) {
            self.by_age.remove(&(old.last_seen, ip));
        }
    }

    fn store(&mut self, ip: IpAddr, mut entry: Entry, now: Instant) {
        self.remove(ip);
        while self.entries.len() >= self.capacity {
            let Some(&(_, oldest)) = self.by_age.first() else {
                break;
            };
            self.remove(oldest);
        }
        entry.last_seen = now;
        self.entries.insert(ip, entry);
        self.by_age.insert((now, ip));
    }

    /// Forgets addresses not seen for [`MAX_BACKOFF`]: their back-off has passed anyway.
    fn age_out(&mut self, now: Instant) {
        while let Some(&(seen, ip)) = self.by_age.first() {
            if now.saturating_duration_since(seen) < MAX_BACKOFF {
                break;
            }
            self.remove(ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    #[allow(clippy::disallowed_methods)]
    fn base() -> Instant {
        Instant::now()
    }

    fn fail(lim: &mut LoginLimiter, who: IpAddr, at: Instant) {
        lim.begin(who, at).unwrap();
        lim.finish(who, at, false);
    }

    #[test]
    fn failures_are_counted_and_a_cancel_counts_neither_way() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        fail(&mut lim, ip(1), t0);
        fail(&mut lim, ip(1), t0);
        assert_eq!((lim.failures(ip(1)), lim.failures(ip(2))), (2, 0));
        for _ in 0..3 {
            lim.begin(ip(1), t0).unwrap();
        }
        // Five counted (2 failures + 3 running): a sixth must wait.
        assert!(lim.begin(ip(1), t0).is_err());
        lim.cancel(ip(1), t0);
        assert!(lim.begin(ip(1), t0).is_ok());
        assert_eq!(lim.failures(ip(1)), 2);
    }

    #[test]
    fn five_free_failures_then_doubling_backoff() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        for _ in 0..5 {
            fail(&mut lim, ip(1), t0);
        }
        // After the 5th failure: 1 s.
        assert_eq!(
            lim.begin(ip(1), t0),
            Err(RetryAfter(Duration::from_secs(1)))
        );
        let t = t0 + Duration::from_millis(400);
        assert_eq!(
            lim.begin(ip(1), t),
            Err(RetryAfter(Duration::from_millis(600)))
        );
        assert_eq!(RetryAfter(Duration::from_millis(600)).header_secs(), 1);
        let t1 = t0 + Duration::from_secs(1);
        fail(&mut lim, ip(1), t1);
        // After the 6th: 2 s, then 4 s.
        assert_eq!(
            lim.begin(ip(1), t1),
            Err(RetryAfter(Duration::from_secs(2)))
        );
        let t2 = t1 + Duration::from_secs(2);
        fail(&mut lim, ip(1), t2);
        assert_eq!(
            lim.begin(ip(1), t2),
            Err(RetryAfter(Duration::from_secs(4)))
        );
        // Other addresses are unaffected.
        assert!(lim.begin(ip(2), t2).is_ok());
    }

    #[test]
    fn backoff_is_capped_at_fifteen_minutes() {
        assert_eq!(backoff(4), Duration::ZERO);
        assert_eq!(backoff(5), Duration::from_secs(1));
        assert_eq!(backoff(14), Duration::from_secs(512));
        assert_eq!(backoff(15), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn success_resets() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        for _ in 0..5 {
            fail(&mut lim, ip(1), t0);
        }
        let t1 = t0 + Duration::from_secs(1);
        lim.begin(ip(1), t1).unwrap();
        lim.finish(ip(1), t1, true);
        assert!(lim.is_empty());
        for _ in 0..5 {
            fail(&mut lim, ip(1), t1);
        }
        assert!(lim.begin(ip(1), t1).is_err());
    }

    #[test]
    fn parallel_attempts_count_while_in_flight() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        for _ in 0..5 {
            lim.begin(ip(1), t0).unwrap();
        }
        assert!(lim.begin(ip(1), t0).is_err());
        lim.finish(ip(1), t0, true);
        assert!(lim.begin(ip(1), t0).is_ok());
    }

    #[test]
    fn full_table_evicts_the_oldest_and_idle_entries_age_out() {
        let t0 = base();
        let mut lim = LoginLimiter::new(3);
        for n in 1..=3 {
            fail(&mut lim, ip(n), t0 + Duration::from_secs(u64::from(n)));
        }
        fail(&mut lim, ip(4), t0 + Duration::from_secs(10));
        assert_eq!(lim.len(), 3);
        assert!(!lim.entries.contains_key(&ip(1)));
        assert!(lim.entries.contains_key(&ip(4)));
        lim.begin(ip(5), t0 + Duration::from_secs(10) + MAX_BACKOFF)
            .unwrap();
        assert_eq!(lim.len(), 1);
    }

    #[test]
    fn blocked_address_is_released_when_idle() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        for _ in 0..5 {
            fail(&mut lim, ip(1), t0);
        }
        assert!(lim.begin(ip(1), t0 + Duration::from_millis(999)).is_err());
        assert!(lim.begin(ip(1), t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let t0 = base();
        let mut lim = LoginLimiter::default();
        for n in 0..5u16 {
            let v6 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, n));
            fail(&mut lim, v6, t0);
        }
        let same_64 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 9, 9, 9, 9));
        let other_64 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1));
        assert!(lim.begin(same_64, t0).is_err());
        assert!(lim.begin(other_64, t0).is_ok());
        for _ in 0..5 {
            fail(&mut lim, ip(7), t0);
        }
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped());
        assert!(lim.begin(mapped, t0).is_err());
    }
}
