//! After the upgrade: whether a websocket subscriber still reads. The server pings a client that
//! has been silent for two thirds of the silence limit ([`PING_EVERY`] of the default
//! [`SILENCE_LIMIT`]); a client that reads answers with a pong (every websocket library does so
//! while it reads), so one silent for the whole limit reads nothing and is closed with 1008. A frame that has not drained within the write timeout (the header timeout)
//! drops the connection. Pings cost every subscriber a frame each way, so they are as rare as
//! the limit allows: one per 20 s of silence, with 10 s left for the pong.

use std::time::{Duration, Instant};

/// Silence after which a client is pinged (and again as long as it stays silent), with the
/// default limit: two thirds of it.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Silence after which a subscriber is closed with 1008, by default (`--silence-limit`).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(30);
/// The shortest silence limit: a ping at 2 s, and 1 s for its pong.
pub const MIN_SILENCE_LIMIT: Duration = Duration::from_secs(3);
/// How many first-ping times [`Liveness::with_phase`] spreads connections over.
const PING_PHASES: u32 = 20;
/// The close code and reason for a subscriber that reads nothing.
pub const SILENT_CLOSE: (u16, &str) = (1008, "closed: nothing read, no pong to the ping");

/// What is due on a websocket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Send a ping.
    Ping,
    /// Close with [`SILENT_CLOSE`]: the client read nothing for [`SILENCE_LIMIT`].
    Close,
    /// Drop the connection: a frame did not drain within the write timeout.
    Abort,
}

/// The liveness of one websocket, driven with `now` like the other state machines.
#[derive(Clone, Debug)]
pub struct Liveness {
    heard: Instant,
    next_ping: Instant,
    write_timeout: Duration,
    writing_since: Option<Instant>,
    silence_limit: Duration,
}

impl Liveness {
    /// A websocket opened at `now`; frames must drain within `write_timeout`; a client silent
    /// for `silence_limit` (at least [`MIN_SILENCE_LIMIT`]) is closed.
    #[must_use]
    pub fn new(now: Instant, write_timeout: Duration, silence_limit: Duration) -> Self {
        let silence_limit = silence_limit.max(MIN_SILENCE_LIMIT);
        Self {
            heard: now,
            next_ping: now + ping_every(silence_limit),
            write_timeout,
            writing_since: None,
            silence_limit,
        }
    }

    /// Moves the first ping earlier by `spread % 20` twentieths of half the ping time (0 to
    /// 9.5 s with the default limit), so that subscribers opened within the same second (a wall of dashboards after a
    /// restart) are not all pinged in the same tick; any number that differs between
    /// connections will do, such as their ids. Later pings keep the phase.
    #[must_use]
    pub fn with_phase(mut self, spread: u64) -> Self {
        let phase = u32::try_from(spread % u64::from(PING_PHASES)).unwrap_or(0);
        self.next_ping -= ping_every(self.silence_limit) / 2 / PING_PHASES * phase;
        self
    }

    /// The client sent something (a pong, a ping, a message).
    pub fn handle_heard(&mut self, now: Instant) {
        self.heard = self.heard.max(now);
        self.next_ping = self
            .next_ping
            .max(self.heard + ping_every(self.silence_limit));
    }

    /// A frame started to be written.
    pub fn handle_write_started(&mut self, now: Instant) {
        self.writing_since = Some(now);
    }

    /// The frame drained.
    pub fn handle_write_done(&mut self) {
        self.writing_since = None;
    }

    /// When the frame being written must have drained (now, if none is being written).
    #[must_use]
    pub fn write_deadline(&self) -> Instant {
        self.writing_since.unwrap_or(self.heard) + self.write_timeout
    }

    /// When to call [`Self::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Instant {
        let mut at = self.next_ping.min(self.heard + self.silence_limit);
        if let Some(since) = self.writing_since {
            at = at.min(since + self.write_timeout);
        }
        at
    }

    /// What is due at `now`, if anything.
    #[must_use]
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Due> {
        if self
            .writing_since
            .is_some_and(|since| now >= since + self.write_timeout)
        {
            return Some(Due::Abort);
        }
        if now >= self.heard + self.silence_limit {
            return Some(Due::Close);
        }
        if now >= self.next_ping {
            self.next_ping = now + ping_every(self.silence_limit);
            return Some(Due::Ping);
        }
        None
    }
}

/// Silence after which a client is pinged, for a limit: two thirds of it, which leaves a third
/// for the pong.
fn ping_every(silence_limit: Duration) -> Duration {
    silence_limit * 2 / 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(live: &mut Liveness) -> (Instant, Option<Due>) {
        let at = live.poll_timeout();
        (at, live.handle_timeout(at))
    }

    #[test]
    fn a_silent_client_is_pinged_then_closed_at_thirty_seconds() {
        #[allow(clippy::disallowed_methods)]
        let t0 = Instant::now();
        let mut live = Liveness::new(t0, Duration::from_secs(10), SILENCE_LIMIT);
        assert_eq!(step(&mut live), (t0 + PING_EVERY, Some(Due::Ping)));
        assert_eq!(step(&mut live), (t0 + SILENCE_LIMIT, Some(Due::Close)));
        assert_eq!(SILENT_CLOSE.0, 1008);
    }

    #[test]
    fn a_client_that_answers_stays_and_is_pinged_once_per_silence() {
        #[allow(clippy::disallowed_methods)]
        let t0 = Instant::now();
        let mut live = Liveness::new(t0, Duration::from_secs(10), SILENCE_LIMIT);
        let mut pinged_at = t0;
        for _ in 0..10 {
            let (at, due) = step(&mut live);
            assert_eq!((at, due), (pinged_at + PING_EVERY, Some(Due::Ping)));
            pinged_at = at + Duration::from_millis(5);
            live.handle_heard(pinged_at);
        }
        // A client that talks by itself is not pinged while it does.
        let t1 = pinged_at + Duration::from_secs(15);
        live.handle_heard(t1);
        assert_eq!(live.handle_timeout(pinged_at + PING_EVERY), None);
        assert_eq!(live.poll_timeout(), t1 + PING_EVERY);
    }

    #[test]
    fn phases_spread_the_first_pings_and_keep_the_close_at_thirty_seconds() {
        #[allow(clippy::disallowed_methods)]
        let t0 = Instant::now();
        let mut firsts = Vec::new();
        for id in 0..40 {
            let mut live = Liveness::new(t0, Duration::from_secs(10), SILENCE_LIMIT).with_phase(id);
            let (at, due) = step(&mut live);
            assert_eq!(due, Some(Due::Ping));
            assert!(at > t0 + PING_EVERY / 2 && at <= t0 + PING_EVERY, "{id}");
            assert_eq!(step(&mut live), (t0 + SILENCE_LIMIT, Some(Due::Close)));
            firsts.push(at);
        }
        firsts.sort();
        firsts.dedup();
        assert_eq!(firsts.len(), 20, "twenty distinct first pings");
        assert!(firsts[19] - firsts[0] >= Duration::from_secs(9));
    }

    #[test]
    fn a_shorter_limit_pings_at_two_thirds_and_never_below_the_minimum() {
        #[allow(clippy::disallowed_methods)]
        let t0 = Instant::now();
        let mut live = Liveness::new(t0, Duration::from_secs(10), Duration::from_secs(6));
        assert_eq!(
            step(&mut live),
            (t0 + Duration::from_secs(4), Some(Due::Ping))
        );
        assert_eq!(
            step(&mut live),
            (t0 + Duration::from_secs(6), Some(Due::Close))
        );
        let mut live = Liveness::new(t0, Duration::from_secs(10), Duration::ZERO);
        assert_eq!(
            step(&mut live),
            (t0 + Duration::from_secs(2), Some(Due::Ping))
        );
        assert_eq!(step(&mut live), (t0 + MIN_SILENCE_LIMIT, Some(Due::Close)));
    }

    #[test]
    fn a_frame_that_does_not_drain_aborts() {
        #[allow(clippy::disallowed_methods)]
        let t0 = Instant::now();
        let mut live = Liveness::new(t0, Duration::from_secs(2), SILENCE_LIMIT);
        live.handle_write_started(t0 + Duration::from_secs(1));
        assert_eq!(
            step(&mut live),
            (t0 + Duration::from_secs(3), Some(Due::Abort))
        );
        let mut live = Liveness::new(t0, Duration::from_secs(2), SILENCE_LIMIT);
        live.handle_write_started(t0 + Duration::from_secs(1));
        live.handle_write_done();
        assert_eq!(step(&mut live), (t0 + PING_EVERY, Some(Due::Ping)));
    }
}
