//! Logins waiting for a password verification slot. Verification is slow on purpose, so under a
//! flood of guesses the queue fills; it is ordered so that the owner still gets in: addresses
//! with fewer failed logins go first (arrival order among equals), and when the queue is full a
//! newcomer with fewer failures takes the place of the worst waiting login, which gets 503.
//! Failures are counted when the order is needed, not when a login arrived, so the logins of an
//! address that has started failing fall behind at once.

use std::net::IpAddr;

use zeroize::Zeroizing;

use super::{JobId, ReqId};

/// A login that passed the limiter and waits for, or is in, verification.
#[derive(Debug)]
pub(super) struct Login {
    pub(super) req: ReqId,
    pub(super) peer: IpAddr,
    pub(super) known_user: bool,
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
        Self {
            waiting: Vec::new(),
            capacity: capacity.max(1),
            arrivals: 0,
        }
    }

    /// Whether a login from an address with `failures` failures would find a place, given each
    /// address's failures now.
    pub(super) fn has_room_for(&self, failures: u32, failures_of: impl Fn(IpAddr) -> u32) -> bool {
        self.waiting.len() < self.capacity
            || self
                .worst(&failures_of)
                .is_some_and(|w| failures < failures_of(self.waiting[w].login.peer))
    }

    /// Queues a login; call [`Self::has_room_for`] first.
    pub(super) fn push(
        &mut self,
        job: JobId,
        login: Login,
        password: Zeroizing<String>,
        failures_of: impl Fn(IpAddr) -> u32,
    ) -> Offer {
        self.arrivals += 1;
        let entry = Waiting {
            job,
            login,
            password,
            arrival: self.arrivals,
        };
        let displaced = match self.worst(&failures_of) {
            Some(worst) if self.waiting.len() >= self.capacity => {
                Some(self.waiting.swap_remove(worst))
            }
            _ => None,
        };
        self.waiting.push(entry);
        displaced.map_or(Offer::Queued, Offer::Displaced)
    }

    /// The best waiting login.
    pub(super) fn pop(&mut self, failures_of: impl Fn(IpAddr) -> u32) -> Option<Waiting> {
        let rank = |w: &Waiting| (failures_of(w.login.peer), w.arrival);
        let best = (0..self.waiting.len()).min_by_key(|&i| rank(&self.waiting[i]))?;
        Some(self.waiting.swap_remove(best))
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

    fn worst(&self, failures_of: &impl Fn(IpAddr) -> u32) -> Option<usize> {
        let rank = |w: &Waiting| (failures_of(w.login.peer), w.arrival);
        (0..self.waiting.len()).max_by_key(|&i| rank(&self.waiting[i]))
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn peer(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    /// Address n has failed `n % 10` times.
    fn failures_of(ip: IpAddr) -> u32 {
        match ip {
            IpAddr::V4(v4) => u32::from(v4.octets()[3] % 10),
            IpAddr::V6(_) => 0,
        }
    }

    fn push(q: &mut LoginQueue, n: u8) -> Offer {
        assert!(q.has_room_for(failures_of(peer(n)), failures_of));
        let login = Login {
            req: ReqId(u64::from(n)),
            peer: peer(n),
            known_user: true,
        };
        q.push(
            JobId(u64::from(n)),
            login,
            Zeroizing::new(String::new()),
            failures_of,
        )
    }

    #[test]
    fn fewer_failures_go_first_then_arrival_order() {
        let mut q = LoginQueue::new(10);
        for n in [3, 10, 13, 20] {
            push(&mut q, n);
        }
        let order: Vec<u64> = std::iter::from_fn(|| q.pop(failures_of))
            .map(|w| w.job.0)
            .collect();
        assert_eq!(order, [10, 20, 3, 13]);
    }

    #[test]
    fn a_full_queue_takes_a_better_newcomer_in_place_of_the_worst() {
        let mut q = LoginQueue::new(2);
        push(&mut q, 2);
        push(&mut q, 5);
        assert!(!q.has_room_for(5, failures_of));
        assert!(!q.has_room_for(6, failures_of));
        match push(&mut q, 30) {
            Offer::Displaced(w) => assert_eq!(w.job, JobId(5)),
            Offer::Queued => panic!("the worst login should have been displaced"),
        }
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(failures_of).map(|w| w.job), Some(JobId(30)));
    }

    #[test]
    fn ranks_follow_failures_counted_after_arrival() {
        let mut q = LoginQueue::new(4);
        push(&mut q, 10);
        push(&mut q, 20);
        // Address 10 has failed meanwhile: 20 now goes first.
        let now_failing = |ip: IpAddr| u32::from(ip == peer(10));
        assert_eq!(q.pop(now_failing).map(|w| w.job), Some(JobId(20)));
    }
}
