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
//!
//! Reading every `/proc/<pid>` is most of a sample's cost, and only viewers need it: the stream's
//! frames, `GET /system` and `/metrics` show processes; history and `GET /network` do not. So each
//! sample request says whether to read processes ([`SampleRequest`]): yes while anyone subscribes,
//! while such a request waits, and for [`PROCESS_LINGER`] after the last one (a scraper or a
//! polling client keeps them fresh); no otherwise, so an idle server with history on reads only
//! host-level figures. A snapshot shows processes only when both its readings have them
//! (per-process CPU is a difference); a request that needs them and finds none waits for such a
//! snapshot, at most about one interval when sampling continuously.
//!
//! Each body of the latest snapshot (`/system`, `/network`, the stream frame, the detailed
//! frame) is encoded on first use and then shared: an idle tick with history on encodes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::hub::{ReqId, SampleRequest};
use crate::metrics::MetricsFormat;
use crate::model::HostReading;
use crate::snapshot::{Derived, detailed_frame, to_json};

/// Intervals after which an unanswered sample request counts as lost.
pub(crate) const LOST_AFTER_INTERVALS: u32 = 5;

/// How long after the last request that showed processes the sampler keeps reading them.
pub(crate) const PROCESS_LINGER: Duration = Duration::from_secs(60);

/// How long after the last `/metrics` request the sampler keeps reading the node_exporter-only
/// sources (longer than any usual scrape interval).
pub const NODE_LINGER: Duration = Duration::from_secs(600);

/// Whether a snapshot that shows processes (or not) and the node_exporter-only sources (or not)
/// can answer a request for `resource`.
fn serves(processes: bool, node: bool, resource: Resource) -> bool {
    (processes || !resource.needs_processes()) && (node || !resource.needs_node())
}

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
    /// Whether the answer shows processes (`/network` does not).
    pub(crate) fn needs_processes(self) -> bool {
        !matches!(self, Self::Network)
    }

    /// Whether the answer shows the node_exporter-only sources (only `/metrics` does).
    pub(crate) fn needs_node(self) -> bool {
        matches!(self, Self::Metrics(_))
    }
}

/// What a reading that made a snapshot yields: the requests it answers, and whether it shows
/// processes (frames go out only then). The snapshot itself is [`Sampler::latest`].
pub(crate) type Tick = (Vec<(ReqId, Resource)>, bool);

/// The latest snapshot: its typed values, and each body once encoded.
#[derive(Debug)]
pub(crate) struct Latest {
    /// When its reading arrived.
    at: Instant,
    /// Whether it shows processes (both its readings read them).
    processes: bool,
    /// Whether its reading read the node_exporter-only sources.
    node: bool,
    /// The typed values every body is encoded from.
    derived: Derived,
    system: Option<Arc<str>>,
    network: Option<Arc<str>>,
    frame: Option<Arc<str>>,
    detail: Option<Arc<str>>,
}

impl Latest {
    /// Whether it shows what an answer for `resource` needs.
    fn serves(&self, resource: Resource) -> bool {
        serves(self.processes, self.node, resource)
    }

    /// The body of `resource` (`None` for `/metrics`), encoded on first use.
    pub(crate) fn body(&mut self, resource: Resource) -> Option<Arc<str>> {
        let derived = &self.derived;
        match resource {
            Resource::System => Some(
                self.system
                    .get_or_insert_with(|| to_json(&derived.system))
                    .clone(),
            ),
            Resource::Network => Some(
                self.network
                    .get_or_insert_with(|| to_json(&derived.network))
                    .clone(),
            ),
            Resource::Metrics(_) => None,
        }
    }

    /// The stream frame, encoded on first use.
    pub(crate) fn frame(&mut self) -> Arc<str> {
        let derived = &self.derived;
        self.frame
            .get_or_insert_with(|| to_json(&derived.frame))
            .clone()
    }

    /// Which bodies are encoded so far: `/system`, `/network`, the frame, the detailed frame.
    #[cfg(test)]
    pub(crate) fn encoded(&self) -> [bool; 4] {
        [
            self.system.is_some(),
            self.network.is_some(),
            self.frame.is_some(),
            self.detail.is_some(),
        ]
    }

    /// The detailed frame of `cur` (the reading behind this snapshot), encoded on first use.
    pub(crate) fn detail(&mut self, cur: &HostReading) -> Arc<str> {
        let derived = &self.derived;
        self.detail
            .get_or_insert_with(|| to_json(&detailed_frame(cur, derived)))
            .clone()
    }
}

/// Sampling state; see the module docs.
#[derive(Debug)]
pub(crate) struct Sampler {
    interval: Duration,
    /// The oldest a cached snapshot may be to answer a request: one interval when sampling on
    /// demand; three when sampling continuously (a request between two ticks never waits).
    max_age: Duration,
    /// Sampling every interval (history on), not only on demand.
    continuous: bool,
    /// The last reading, and whether it read processes.
    baseline: Option<(Instant, Box<HostReading>, bool)>,
    /// The last snapshot.
    latest: Option<Latest>,
    /// What the last sample requested reads.
    asked: SampleRequest,
    /// Until when processes are read although nobody subscribes.
    processes_until: Option<Instant>,
    /// Until when the node_exporter-only sources are read (see [`NODE_LINGER`]).
    node_until: Option<Instant>,
    /// When the unanswered sample was requested.
    outstanding: Option<Instant>,
    /// When the last sample was requested (its scheduled time, for drift-free pacing).
    last_request: Option<Instant>,
    /// When to take the second reading after a fresh baseline.
    followup_at: Option<Instant>,
    waiting: Vec<(ReqId, Resource)>,
    /// Whether anyone subscribes to the stream (its frames show processes); set by the hub.
    pub(crate) viewers: bool,
}

impl Sampler {
    pub(crate) fn new(interval: Duration, continuous: bool) -> Self {
        Self {
            interval,
            max_age: if continuous { 3 * interval } else { interval },
            continuous,
            baseline: None,
            latest: None,
            asked: SampleRequest::default(),
            processes_until: None,
            node_until: None,
            outstanding: None,
            last_request: None,
            followup_at: None,
            waiting: Vec::new(),
            viewers: false,
        }
    }

    /// Whether the cached snapshot is young enough to answer a request for `resource` (see
    /// `max_age`) and shows what that needs (processes, the node_exporter-only sources); asking
    /// counts as needing them (see [`PROCESS_LINGER`], [`NODE_LINGER`]).
    pub(crate) fn fresh(&mut self, now: Instant, resource: Resource) -> bool {
        if resource.needs_processes() {
            self.processes_until = Some(now + PROCESS_LINGER);
        }
        if resource.needs_node() {
            self.node_until = Some(now + NODE_LINGER);
        }
        self.latest.as_ref().is_some_and(|latest| {
            now.saturating_duration_since(latest.at) < self.max_age && latest.serves(resource)
        })
    }

    /// The body of `resource` from the cached snapshot if it is fresh for it (see
    /// [`Self::fresh`]); `None` for `/metrics`.
    pub(crate) fn fresh_body(&mut self, now: Instant, resource: Resource) -> Option<Arc<str>> {
        if !self.fresh(now, resource) {
            return None;
        }
        self.latest.as_mut()?.body(resource)
    }

    /// The latest snapshot, if any.
    pub(crate) fn latest(&mut self) -> Option<&mut Latest> {
        self.latest.as_mut()
    }

    /// The latest snapshot's typed values, if any.
    pub(crate) fn latest_derived(&self) -> Option<&Derived> {
        self.latest.as_ref().map(|latest| &latest.derived)
    }

    /// The stream frame of the latest snapshot and, if `detail`, its detailed frame.
    pub(crate) fn frames(&mut self, detail: bool) -> Option<(Arc<str>, Option<Arc<str>>)> {
        let latest = self.latest.as_mut()?;
        let (_, cur, _) = self.baseline.as_ref()?;
        let frame = latest.frame();
        Some((frame, detail.then(|| latest.detail(cur))))
    }

    /// The reading behind the latest snapshot (for `/metrics` answered right after a sample).
    pub(crate) fn latest_reading(&self) -> Option<&HostReading> {
        self.latest.as_ref()?;
        self.baseline.as_ref().map(|(_, r, _)| r.as_ref())
    }

    /// Queues a request to answer when the next snapshot that serves it is ready.
    pub(crate) fn queue(&mut self, req: ReqId, resource: Resource) {
        self.waiting.push((req, resource));
    }

    /// What the next sample must read at `now`: processes while anyone subscribes, while a
    /// request that shows them waits, and for [`PROCESS_LINGER`] after the last one; always
    /// when sampling on demand (every sample is then for someone, and requests for `/system` and
    /// `/network` made together share one sample). The node_exporter-only sources while a
    /// `/metrics` request waits and for [`NODE_LINGER`] after the last one.
    #[must_use]
    pub(crate) fn sample_request(&self, now: Instant) -> SampleRequest {
        let processes = !self.continuous
            || self.viewers
            || self.processes_until.is_some_and(|until| now < until)
            || self.waiting.iter().any(|(_, r)| r.needs_processes());
        let node = self.node_until.is_some_and(|until| now < until)
            || self.waiting.iter().any(|(_, r)| r.needs_node());
        SampleRequest { processes, node }
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

    /// What to ask for if a [`crate::hub::Output::Sample`] is due now; it then counts as
    /// outstanding.
    #[must_use]
    pub(crate) fn handle_timeout(
        &mut self,
        now: Instant,
        streaming: bool,
    ) -> Option<SampleRequest> {
        if self
            .outstanding
            .is_some_and(|at| at + self.interval * LOST_AFTER_INTERVALS <= now)
        {
            self.outstanding = None;
        }
        if self.outstanding.is_some() {
            return None;
        }
        if self.poll_timeout(now, streaming).is_none_or(|at| at > now) {
            return None;
        }
        // Keep the stream's pace from drifting when the driver wakes a little late.
        let on_schedule = self
            .last_request
            .map(|at| at + self.interval)
            .filter(|&at| streaming && at <= now && now < at + self.interval);
        self.last_request = Some(on_schedule.unwrap_or(now));
        self.outstanding = Some(now);
        self.followup_at = None;
        let request = self.sample_request(now);
        self.asked = request;
        Some(request)
    }

    /// Takes a reading: returns the requests the new snapshot ([`Self::latest`]) answers, or
    /// `None` when the reading only became the baseline. Requests that need processes the
    /// snapshot does not show keep waiting for the next one.
    pub(crate) fn handle_sample(
        &mut self,
        now: Instant,
        reading: Box<HostReading>,
    ) -> Option<Tick> {
        self.outstanding = None;
        let read_processes = self.asked.processes;
        let usable = self.baseline.take().and_then(|(at, prev, prev_processes)| {
            let elapsed = now.saturating_duration_since(at);
            (!elapsed.is_zero() && elapsed <= 2 * self.interval).then_some((
                prev,
                elapsed,
                prev_processes,
            ))
        });
        let Some((prev, elapsed, prev_processes)) = usable else {
            self.baseline = Some((now, reading, read_processes));
            self.followup_at = Some(now + self.interval);
            return None;
        };
        let processes = prev_processes && read_processes;
        // Rates are over the gap between the readings themselves when the sampler dates them.
        let elapsed = match reading.monotonic_ms.checked_sub(prev.monotonic_ms) {
            Some(ms) if ms > 0 => Duration::from_millis(ms),
            _ => elapsed,
        };
        let derived = Derived::new(&prev, &reading, elapsed);
        self.baseline = Some((now, reading, read_processes));
        self.latest = Some(Latest {
            at: now,
            processes,
            node: self.asked.node,
            derived,
            system: None,
            network: None,
            frame: None,
            detail: None,
        });
        let node = self.asked.node;
        let (answered, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|&(_, r)| serves(processes, node, r));
        self.waiting = waiting;
        if !self.waiting.is_empty() {
            self.followup_at = Some(now + self.interval);
        }
        Some((answered, processes))
    }
}

#[cfg(test)]
mod tests;
