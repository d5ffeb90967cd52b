//! Logins waiting for a password verification slot. Verification is slow on purpose, so under a
//! flood of guesses the queue fills; it is ordered so that the owner still gets in:
//! - logins with priority (from an address that logged in before, or carrying a valid session
//!   or API token) go first, unless their address has used up its free failures;
//! - then addresses with fewer failed logins (arrival order among equals);
//! - when the queue is full a better newcomer takes the place of the worst waiting login, which
//!   gets 503.
//!
//! Failures are counted when the order is needed, not when a login arrived, so the logins of an
//! address that has started failing fall behind at once. Every login carries the instant it
//! arrived: the hub answers one still waiting at its deadline (503, see `Hub::expire_logins`),
//! and sizes the queue from the measured verification time so that a login it accepts can
//! expect its turn before that deadline.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{JobId, ReqId};
use crate::limiter::{FREE_FAILURES, client_key};

/// Addresses remembered for a successful login, for priority in the queue.
const TRUSTED_PEERS: usize = 256;

/// A login that passed the limiter and waits for, or is in, verification.
#[derive(Debug)]
pub(super) struct Login {
    pub(super) req: ReqId,
    pub(super) peer: IpAddr,
    pub(super) known_user: bool,
    /// When the hub received it: it is answered by `arrived + login_deadline`.
    pub(super) arrived: Instant,
    /// When its verification started (`arrived` while it waits).
    pub(super) started: Instant,
    /// From a trusted address or with a valid credential: served ahead of fresh addresses.
    pub(super) priority: bool,
    /// Already answered 503 at its deadline; the verification still holds its slot.
    pub(super) answered: bool,
}

/// Where a login ranks, smaller first: priority class, then failures.
pub(super) type Rank = (u8, u32);

/// The rank of a login from `peer` with `priority`, given its address's `failures` now.
pub(super) fn rank(priority: bool, failures: u32) -> Rank {
    (u8::from(!(priority && failures < FREE_FAILURES)), failures)
}

/// A login waiting for a slot, with its password.
#[derive(Debug)]
pub(super) struct Waiting {
    pub(super) job: JobId,
    pub(super) login: Login,
    pub(super) password: Zeroizing<String>,
    /// Arrival order.
    arrival: u64,
}

/// The waiting logins, best first on [`LoginQueue::pop`].
#[derive(Debug)]
pub(super) struct LoginQueue {
    waiting: Vec<Waiting>,
    /// The most that may wait (the configured maximum).
    max: usize,
    /// The most that may wait now: fewer when verifications are slow (see [`Self::fit`]).
    capacity: usize,
    arrivals: u64,
}

/// What became of a login offered to a full queue.
#[derive(Debug)]
pub(super) enum Offer {
    /// Queued; nothing was displaced.
    Queued,
    /// Queued in place of this worse login, which must be answered 503.
    Displaced(Waiting),
}

impl LoginQueue {
    /// A queue holding at most `capacity` logins (at least one).
    pub(super) fn new(capacity: usize) -> Self {
        let max = capacity.max(1);
        Self {
            waiting: Vec::new(),
            max,
            capacity: max,
            arrivals: 0,
        }
    }

    /// Sizes the queue so that its last login can expect to be verified within `deadline`:
    /// `slots` verifications run at once and each takes about `cost`, and one is running ahead
    /// of the queue (never fewer than one waiting place, never more than the configured maximum).
    pub(super) fn fit(&mut self, slots: usize, cost: Option<Duration>, deadline: Duration) {
        self.capacity = match cost.filter(|c| !c.is_zero()) {
            None => self.max,
            Some(cost) => {
                let rounds = (deadline.as_nanos() / cost.as_nanos()).saturating_sub(1);
                let fits = usize::try_from(rounds.saturating_mul(slots.max(1) as u128))
                    .unwrap_or(usize::MAX);
                fits.clamp(1, self.max)
            }
        };
    }

    /// Whether a login of rank `rank` would find a place, given each waiting login's rank now.
    pub(super) fn has_room_for(&self, rank: Rank, rank_of: impl Fn(&Login) -> Rank) -> bool {
        self.waiting.len() < self.capacity
            || self
                .worst(&rank_of)
                .is_some_and(|w| rank < rank_of(&self.waiting[w].login))
    }

    /// Queues a login; call [`Self::has_room_for`] first.
    pub(super) fn push(
        &mut self,
        job: JobId,
        login: Login,
        password: Zeroizing<String>,
        rank_of: impl Fn(&Login) -> Rank,
    ) -> Offer {
        self.arrivals += 1;
        let entry = Waiting {
            job,
            login,
            password,
            arrival: self.arrivals,
        };
        let displaced = match self.worst(&rank_of) {
            Some(worst) if self.waiting.len() >= self.capacity => {
                Some(self.waiting.swap_remove(worst))
            }
            _ => None,
        };
        self.waiting.push(entry);
        displaced.map_or(Offer::Queued, Offer::Displaced)
    }

    /// The best waiting login.
    pub(super) fn pop(&mut self, rank_of: impl Fn(&Login) -> Rank) -> Option<Waiting> {
        let key = |w: &Waiting| (rank_of(&w.login), w.arrival);
        let best = (0..self.waiting.len()).min_by_key(|&i| key(&self.waiting[i]))?;
        Some(self.waiting.swap_remove(best))
    }

    /// Removes and returns the logins that arrived at or before `cutoff`.
    pub(super) fn expire(&mut self, cutoff: Instant) -> Vec<Waiting> {
        let (late, kept) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.login.arrived <= cutoff);
        self.waiting = kept;
        late
    }

    /// When the earliest waiting login arrived.
    pub(super) fn earliest_arrival(&self) -> Option<Instant> {
        self.waiting.iter().map(|w| w.login.arrived).min()
    }

    /// Every waiting login, for shutdown.
    pub(super) fn drain(&mut self) -> Vec<Waiting> {
        std::mem::take(&mut self.waiting)
    }

    /// How many wait.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    fn worst(&self, rank_of: &impl Fn(&Login) -> Rank) -> Option<usize> {
        let key = |w: &Waiting| (rank_of(&w.login), w.arrival);
        (0..self.waiting.len()).max_by_key(|&i| key(&self.waiting[i]))
    }
}

/// Addresses that logged in successfully; bounded, so a long-running server remembers the
/// latest [`TRUSTED_PEERS`].
#[derive(Debug, Default)]
pub(super) struct TrustedPeers {
    by_addr: BTreeMap<IpAddr, u64>,
    by_seq: BTreeMap<u64, IpAddr>,
    next: u64,
}

impl TrustedPeers {
    /// Remembers a successful login from `peer` (IPv6 by its /64, as the limiter counts).
    pub(super) fn insert(&mut self, peer: IpAddr) {
        let key = client_key(peer);
        self.next += 1;
        if let Some(old) = self.by_addr.insert(key, self.next) {
            self.by_seq.remove(&old);
        }
        self.by_seq.insert(self.next, key);
        while self.by_addr.len() > TRUSTED_PEERS {
            let Some((_, oldest)) = self.by_seq.pop_first() else {
                break;
            };
            self.by_addr.remove(&oldest);
        }
    }

    /// Whether `peer` logged in successfully before.
    pub(super) fn contains(&self, peer: IpAddr) -> bool {
        self.by_addr.contains_key(&client_key(peer))
    }
}

/// A running average of how long one verification takes, from the hub's own clock.
#[derive(Debug, Default)]
pub(super) struct VerifyCost {
    average: Option<Duration>,
}

impl VerifyCost {
    /// Counts one verification that took `took` (weight 1/4, so a slower machine shows soon).
    pub(super) fn record(&mut self, took: Duration) {
        self.average = Some(match self.average {
            None => took,
            Some(avg) => (avg * 3 + took) / 4,
        });
    }

    /// The average so far, if any verification finished.
    pub(super) fn average(&self) -> Option<Duration> {
        self.average
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn peer(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    #[allow(clippy::disallowed_methods)]
    fn t0() -> Instant {
        Instant::now()
    }

    /// Address n has failed `n % 10` times; addresses above 100 have priority.
    fn rank_of(login: &Login) -> Rank {
        let failures = match login.peer {
            IpAddr::V4(v4) => u32::from(v4.octets()[3] % 10),
            IpAddr::V6(_) => 0,
        };
        rank(login.priority, failures)
    }

    fn login(n: u8, arrived: Instant) -> Login {
        Login {
            req: ReqId(u64::from(n)),
            peer: peer(n),
            known_user: true,
            arrived,
            started: arrived,
            priority: n > 100,
            answered: false,
        }
    }

    fn push_at(q: &mut LoginQueue, n: u8, arrived: Instant) -> Offer {
        let login = login(n, arrived);
        assert!(q.has_room_for(rank_of(&login), rank_of));
        q.push(
            JobId(u64::from(n)),
            login,
            Zeroizing::new(String::new()),
            rank_of,
        )
    }

    fn push(q: &mut LoginQueue, n: u8) -> Offer {
        push_at(q, n, t0())
    }

    #[test]
    fn fewer_failures_go_first_then_arrival_order() {
        let mut q = LoginQueue::new(10);
        for n in [3, 10, 13, 20] {
            push(&mut q, n);
        }
        let order: Vec<u64> = std::iter::from_fn(|| q.pop(rank_of))
            .map(|w| w.job.0)
            .collect();
        assert_eq!(order, [10, 20, 3, 13]);
    }

    #[test]
    fn priority_goes_first_while_its_failures_are_free() {
        let mut q = LoginQueue::new(10);
        // 110 (0 failures) and 114 (4) have priority; 109 (9 failures) has lost it.
        for n in [10, 20, 109, 114, 110] {
            push(&mut q, n);
        }
        let order: Vec<u64> = std::iter::from_fn(|| q.pop(rank_of))
            .map(|w| w.job.0)
            .collect();
        assert_eq!(order, [110, 114, 10, 20, 109]);
    }

    #[test]
    fn a_full_queue_takes_a_better_newcomer_in_place_of_the_worst() {
        let mut q = LoginQueue::new(2);
        push(&mut q, 2);
        push(&mut q, 5);
        assert!(!q.has_room_for(rank(false, 5), rank_of));
        assert!(!q.has_room_for(rank(false, 6), rank_of));
        match push(&mut q, 30) {
            Offer::Displaced(w) => assert_eq!(w.job, JobId(5)),
            Offer::Queued => panic!("the worst login should have been displaced"),
        }
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(rank_of).map(|w| w.job), Some(JobId(30)));
        // A priority login displaces a fresh address too.
        push(&mut q, 40);
        assert!(!q.has_room_for(rank(false, 2), rank_of));
        assert!(matches!(push(&mut q, 120), Offer::Displaced(w) if w.job == JobId(2)));
        assert!(matches!(push(&mut q, 130), Offer::Displaced(w) if w.job == JobId(40)));
    }

    #[test]
    fn ranks_follow_failures_counted_after_arrival() {
        let mut q = LoginQueue::new(4);
        push(&mut q, 10);
        push(&mut q, 20);
        // Address 10 has failed meanwhile: 20 now goes first.
        let now_failing = |l: &Login| rank(false, u32::from(l.peer == peer(10)));
        assert_eq!(q.pop(now_failing).map(|w| w.job), Some(JobId(20)));
    }

    #[test]
    fn expire_takes_the_logins_that_arrived_by_the_cutoff() {
        let t = t0();
        let mut q = LoginQueue::new(10);
        push_at(&mut q, 10, t);
        push_at(&mut q, 20, t + Duration::from_secs(1));
        push_at(&mut q, 30, t + Duration::from_secs(2));
        assert_eq!(q.earliest_arrival(), Some(t));
        let late: Vec<u64> = q
            .expire(t + Duration::from_secs(1))
            .iter()
            .map(|w| w.job.0)
            .collect();
        assert_eq!(late, [10, 20]);
        assert_eq!(q.earliest_arrival(), Some(t + Duration::from_secs(2)));
    }

    #[test]
    fn the_queue_shrinks_to_what_the_verifier_can_do_by_the_deadline() {
        let mut q = LoginQueue::new(256);
        let deadline = Duration::from_secs(4);
        q.fit(2, Some(Duration::from_millis(500)), deadline);
        assert_eq!(q.capacity, 14);
        q.fit(1, Some(Duration::from_secs(10)), deadline);
        assert_eq!(q.capacity, 1);
        q.fit(1, Some(Duration::from_micros(1)), deadline);
        assert_eq!(q.capacity, 256);
        q.fit(1, None, deadline);
        assert_eq!(q.capacity, 256);
    }

    #[test]
    fn trusted_peers_are_bounded_and_keep_the_latest() {
        let mut trusted = TrustedPeers::default();
        let addr = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        for n in 0..(TRUSTED_PEERS as u32 + 10) {
            trusted.insert(addr(n));
            // The first address logs in again and again: it stays.
            trusted.insert(addr(0));
        }
        assert!(trusted.contains(addr(0)));
        assert!(!trusted.contains(addr(1)));
        assert!(trusted.contains(addr(TRUSTED_PEERS as u32 + 9)));
        assert_eq!(trusted.by_addr.len(), TRUSTED_PEERS);
        assert_eq!(trusted.by_seq.len(), TRUSTED_PEERS);
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        trusted.insert(v6("2001:db8::1"));
        assert!(trusted.contains(v6("2001:db8::ffff")));
    }

    #[test]
    fn verify_cost_follows_the_latest_times() {
        let mut cost = VerifyCost::default();
        assert_eq!(cost.average(), None);
        cost.record(Duration::from_millis(100));
        assert_eq!(cost.average(), Some(Duration::from_millis(100)));
        cost.record(Duration::from_millis(500));
        assert_eq!(cost.average(), Some(Duration::from_millis(200)));
    }
}
