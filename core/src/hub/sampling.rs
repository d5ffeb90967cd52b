//! The one sampler of the hub: paces host samples while anyone streams, answers snapshot requests
//! from a fresh cache, and never has more than one sample outstanding.
//!
//! CPU usage needs two readings. The previous reading is a usable baseline only if it arrived at
//! most two intervals before the current one: usage averaged over a longer, idle gap would not be
//! "the last sampling interval". A reading without a usable baseline becomes the baseline, and a
//! follow-up sample is requested one interval later; nothing is answered or sent until then.
//!
//! A sample not answered within [`LOST_AFTER_INTERVALS`] intervals counts as lost, so a collector
//! that drops one request cannot stall the stream for good.

use std::time::{Duration, Instant};

use crate::hub::ReqId;
use crate::metrics::MetricsFormat;
use crate::model::HostReading;
use crate::snapshot::{Derived, Snapshot};

/// Intervals after which an unanswered sample request counts as lost.
pub(crate) const LOST_AFTER_INTERVALS: u32 = 5;

/// Which snapshot body a queued request wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resource {
    /// `GET /system`.
    System,
    /// `GET /network`.
    Network,
    /// `GET /metrics`, in this format (encoded by the hub, which holds the counters).
    Metrics(MetricsFormat),
}

impl Resource {
    /// The body of this resource in `snapshot`; `None` for `/metrics`.
    pub(crate) fn body(self, snapshot: &Snapshot) -> Option<std::sync::Arc<str>> {
        match self {
            Self::System => Some(snapshot.system.clone()),
            Self::Network => Some(snapshot.network.clone()),
            Self::Metrics(_) => None,
        }
    }
}

/// What a reading that made a snapshot yields: the encoded bodies, their typed values, and
/// the requests they answer.
pub(crate) type Tick = (Snapshot, Derived, Vec<(ReqId, Resource)>);

/// Sampling state; see the module docs.
#[derive(Debug)]
pub(crate) struct Sampler {
    interval: Duration,
    /// The oldest a cached snapshot may be to answer a request: one interval when sampling on
    /// demand; three when sampling continuously (a request between two ticks never waits).
    max_age: Duration,
    baseline: Option<(Instant, Box<HostReading>)>,
    latest: Option<(Instant, Snapshot)>,
    /// When the unanswered sample was requested.
    outstanding: Option<Instant>,
    /// When the last sample was requested (its scheduled time, for drift-free pacing).
    last_request: Option<Instant>,
    /// When to take the second reading after a fresh baseline.
    followup_at: Option<Instant>,
    waiting: Vec<(ReqId, Resource)>,
    /// Whether snapshots include the detailed frame (someone subscribes to it); set by the hub.
    pub(crate) detail: bool,
}

impl Sampler {
    pub(crate) fn new(interval: Duration, continuous: bool) -> Self {
        Self {
            interval,
            max_age: if continuous { 3 * interval } else { interval },
            baseline: None,
            latest: None,
            outstanding: None,
            last_request: None,
            followup_at: None,
            waiting: Vec::new(),
            detail: false,
        }
    }

    /// The cached snapshot if it is young enough to answer a request (see `max_age`).
    pub(crate) fn fresh(&self, now: Instant) -> Option<&Snapshot> {
        let (at, snapshot) = self.latest.as_ref()?;
        (now.saturating_duration_since(*at) < self.max_age).then_some(snapshot)
    }

    /// The reading behind the cached snapshot and its age, if it is fresh (see [`Self::fresh`]).
    pub(crate) fn fresh_reading(&self, now: Instant) -> Option<(&HostReading, Duration)> {
        self.fresh(now)?;
        let (at, _) = self.latest.as_ref()?;
        let (_, reading) = self.baseline.as_ref()?;
        Some((reading, now.saturating_duration_since(*at)))
    }

    /// The reading behind the latest snapshot (for `/metrics` answered right after a sample).
    pub(crate) fn latest_reading(&self) -> Option<&HostReading> {
        self.latest.as_ref()?;
        self.baseline.as_ref().map(|(_, r)| r.as_ref())
    }

    /// Queues a request to answer when the next snapshot is ready.
    pub(crate) fn queue(&mut self, req: ReqId, resource: Resource) {
        self.waiting.push((req, resource));
    }

    /// Takes every queued request (on shutdown).
    pub(crate) fn take_waiting(&mut self) -> Vec<(ReqId, Resource)> {
        std::mem::take(&mut self.waiting)
    }

    fn wanted(&self, streaming: bool) -> bool {
        streaming || !self.waiting.is_empty()
    }

    /// When the next sample is due, if any; `now` when it is due at once.
    pub(crate) fn poll_timeout(&self, now: Instant, streaming: bool) -> Option<Instant> {
        if !self.wanted(streaming) {
            return None;
        }
        if let Some(at) = self.outstanding {
            return Some(at + self.interval * LOST_AFTER_INTERVALS);
        }
        if !self.waiting.is_empty() && self.followup_at.is_none() {
            return Some(now);
        }
        let tick = streaming.then(|| self.last_request.map_or(now, |at| at + self.interval));
        [tick, self.followup_at].into_iter().flatten().min()
    }

    /// Whether to emit [`crate::hub::Output::Sample`] now; if so, the sample counts as outstanding.
    #[must_use]
    pub(crate) fn handle_timeout(&mut self, now: Instant, streaming: bool) -> bool {
        if self
            .outstanding
            .is_some_and(|at| at + self.interval * LOST_AFTER_INTERVALS <= now)
        {
            self.outstanding = None;
        }
        if self.outstanding.is_some() {
            return false;
        }
        if self.poll_timeout(now, streaming).is_none_or(|at| at > now) {
            return false;
        }
        // Keep the stream's pace from drifting when the driver wakes a little late.
        let on_schedule = self
            .last_request
            .map(|at| at + self.interval)
            .filter(|&at| streaming && at <= now && now < at + self.interval);
        self.last_request = Some(on_schedule.unwrap_or(now));
        self.outstanding = Some(now);
        self.followup_at = None;
        true
    }

    /// Takes a reading: returns the new snapshot, its typed values and the requests it answers,
    /// or `None` when the reading only became the baseline.
    pub(crate) fn handle_sample(
        &mut self,
        now: Instant,
        reading: Box<HostReading>,
    ) -> Option<Tick> {
        self.outstanding = None;
        let usable = self.baseline.take().and_then(|(at, prev)| {
            let elapsed = now.saturating_duration_since(at);
            (!elapsed.is_zero() && elapsed <= 2 * self.interval).then_some((prev, elapsed))
        });
        let Some((prev, elapsed)) = usable else {
            self.baseline = Some((now, reading));
            self.followup_at = Some(now + self.interval);
            return None;
        };
        // Rates are over the gap between the readings themselves when the sampler dates them.
        let elapsed = match reading.monotonic_ms.checked_sub(prev.monotonic_ms) {
            Some(ms) if ms > 0 => Duration::from_millis(ms),
            _ => elapsed,
        };
        let derived = Derived::new(&prev, &reading, elapsed);
        let snapshot = if self.detail {
            derived.encode_with_detail(&reading)
        } else {
            derived.encode()
        };
        self.baseline = Some((now, reading));
        self.latest = Some((now, snapshot.clone()));
        Some((snapshot, derived, std::mem::take(&mut self.waiting)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Duration = Duration::from_secs(1);

    #[allow(clippy::disallowed_methods)]
    fn base() -> Instant {
        Instant::now()
    }

    fn reading(uptime: u64) -> Box<HostReading> {
        Box::new(HostReading {
            uptime_secs: uptime,
            ..HostReading::default()
        })
    }

    #[test]
    fn idle_sampler_never_asks() {
        let t0 = base();
        let mut s = Sampler::new(I, false);
        assert_eq!(s.poll_timeout(t0, false), None);
        assert!(!s.handle_timeout(t0 + 100 * I, false));
    }

    #[test]
    fn streaming_takes_a_baseline_then_paces_one_per_interval() {
        let t0 = base();
        let mut s = Sampler::new(I, false);
        assert_eq!(s.poll_timeout(t0, true), Some(t0));
        assert!(s.handle_timeout(t0, true));
        // Only one outstanding.
        assert!(!s.handle_timeout(t0, true));
        assert_eq!(s.poll_timeout(t0, true), Some(t0 + 5 * I));
        assert!(s.handle_sample(t0, reading(1)).is_none());
        assert_eq!(s.poll_timeout(t0, true), Some(t0 + I));
        assert!(!s.handle_timeout(t0 + I / 2, true));
        assert!(s.handle_timeout(t0 + I, true));
        let (snap, _, answered) = s.handle_sample(t0 + I, reading(2)).unwrap();
        assert!(answered.is_empty());
        assert!(snap.frame.contains('2'));
        assert_eq!(s.poll_timeout(t0 + I, true), Some(t0 + 2 * I));
        // A late wake keeps the schedule.
        assert!(s.handle_timeout(t0 + 2 * I + I / 4, true));
        assert_eq!(s.last_request, Some(t0 + 2 * I));
    }

    #[test]
    fn queued_requests_share_one_sample_and_stale_baselines_are_retaken() {
        let t0 = base();
        let mut s = Sampler::new(I, false);
        s.queue(ReqId(1), Resource::System);
        assert!(s.handle_timeout(t0, false));
        s.queue(ReqId(2), Resource::Network);
        assert!(!s.handle_timeout(t0, false));
        assert!(s.handle_sample(t0, reading(1)).is_none());
        assert!(s.handle_timeout(t0 + I, false));
        let (_, _, answered) = s.handle_sample(t0 + I, reading(2)).unwrap();
        assert_eq!(
            answered,
            vec![(ReqId(1), Resource::System), (ReqId(2), Resource::Network)]
        );
        assert!(s.fresh(t0 + I + I / 2).is_some());
        assert!(s.fresh(t0 + 2 * I).is_none());
        // Nobody waits: no follow-up sampling.
        assert_eq!(s.poll_timeout(t0 + 2 * I, false), None);
        // Three intervals later the old reading is no baseline.
        s.queue(ReqId(3), Resource::System);
        assert!(s.handle_timeout(t0 + 4 * I, false));
        assert!(s.handle_sample(t0 + 4 * I, reading(5)).is_none());
        assert_eq!(s.poll_timeout(t0 + 4 * I, false), Some(t0 + 5 * I));
    }

    #[test]
    fn the_detailed_frame_is_encoded_only_while_wanted() {
        let t0 = base();
        let mut s = Sampler::new(I, false);
        assert!(s.handle_sample(t0, reading(1)).is_none());
        let (snap, _, _) = s.handle_sample(t0 + I, reading(2)).unwrap();
        assert_eq!(snap.detail, None);
        s.detail = true;
        let (snap, _, _) = s.handle_sample(t0 + 2 * I, reading(3)).unwrap();
        let detail = snap.detail.expect("encoded for a detailed subscriber");
        assert!(
            detail.starts_with(snap.frame.strip_suffix('}').unwrap()),
            "{detail}"
        );
        assert!(detail.contains("\"procs\":"));
    }

    #[test]
    fn a_lost_sample_request_is_retried() {
        let t0 = base();
        let mut s = Sampler::new(I, false);
        assert!(s.handle_timeout(t0, true));
        assert!(!s.handle_timeout(t0 + 4 * I, true));
        assert!(s.handle_timeout(t0 + 5 * I, true));
        // Nobody wants samples any more: a lost request is not chased.
        assert_eq!(s.poll_timeout(t0 + 5 * I, false), None);
    }
}
