//! The observing routes: `GET /metrics` (DESIGN 5.5), `GET /history` and `GET /history/series`
//! (DESIGN 5.4), and feeding each sample's series to the history store.

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::access::Need;
use super::http::{error, error_with, json, ok};
use super::sampling::Resource;
use super::{HistoryAnswer, HistoryRequest, HttpRequest, HttpResponse, Hub, Output, ReqId};
use crate::history::{SeriesList, parse_query};
use crate::metrics::{self, MetricsFormat, ServerStats};
use crate::series::series_values;

/// The 404 message when the server runs with `--history off`.
pub const HISTORY_OFF: &str = "history is off on this server (--history off)";

/// The server's own counters, for `/metrics`.
#[derive(Debug, Default)]
pub(super) struct Counters {
    /// Stream frames handed out (one per subscriber per tick).
    pub(super) frames_sent: u64,
    /// Logins that succeeded.
    pub(super) logins_ok: u64,
    /// Logins refused for wrong credentials.
    pub(super) logins_failed: u64,
    /// Logins refused by the limiter.
    pub(super) logins_limited: u64,
    requested_at: Option<Instant>,
    last_duration: Duration,
}

impl Counters {
    /// A sample was asked for at `now`.
    pub(super) fn sample_requested(&mut self, now: Instant) {
        self.requested_at = Some(now);
    }

    /// A sample arrived at `now`: its duration is the time since it was asked for.
    pub(super) fn sample_arrived(&mut self, now: Instant) {
        if let Some(at) = self.requested_at.take() {
            self.last_duration = now.saturating_duration_since(at);
        }
    }
}

impl Hub {
    fn unix_secs(&self) -> i64 {
        self.now
            .wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    /// `GET /metrics`: from the latest sample, or from the next one when none is fresh.
    pub(super) fn metrics(&mut self, req: ReqId, request: &HttpRequest) -> Option<HttpResponse> {
        if !self.config.metrics_public
            && let Err(response) = self.authorize_for(request, Need::Metrics)
        {
            return Some(response);
        }
        let resource = Resource::Metrics(MetricsFormat::from_accept(request.accept.as_deref()));
        if self.sampler.fresh(self.now.mono, resource) {
            return Some(self.metrics_response(resource));
        }
        self.sampler.queue(req, resource);
        None
    }

    /// The `/metrics` body of the latest reading in the format `resource` asks for.
    pub(super) fn metrics_response(&self, resource: Resource) -> HttpResponse {
        let (Resource::Metrics(format), Some(reading)) = (resource, self.sampler.latest_reading())
        else {
            return error(503, "no sample yet");
        };
        let stats = ServerStats {
            subscribers: self.conns.len() as u64,
            frames_sent: self.stats.frames_sent,
            logins_ok: self.stats.logins_ok,
            logins_failed: self.stats.logins_failed,
            logins_limited: self.stats.logins_limited,
            sample_duration_secs: self.stats.last_duration.as_secs_f64(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let body = metrics::encode(format, reading, self.unix_secs().max(0) as u64, &stats);
        HttpResponse {
            content_type: format.content_type(),
            ..json(200, Arc::from(body), Vec::new())
        }
    }

    /// `GET /history` (`series_only`: `GET /history/series`): validated here, answered by the
    /// history store off the hub's task.
    pub(super) fn history(
        &mut self,
        req: ReqId,
        request: &HttpRequest,
        series_only: bool,
    ) -> Option<HttpResponse> {
        if let Err(response) = self.authorize_for(request, Need::Read) {
            return Some(response);
        }
        if !self.config.history {
            return Some(error(404, HISTORY_OFF));
        }
        let request_peer = request.peer;
        let request = if series_only {
            HistoryRequest::Series
        } else {
            match parse_query(request.query.as_deref(), self.unix_secs()) {
                Ok(query) => HistoryRequest::Range(query),
                Err(e) => return Some(error(400, &e.to_string())),
            }
        };
        match self.history_quota.begin(req, request_peer) {
            Ok(()) => {}
            Err(super::history_quota::Refused::Client) => {
                return Some(error_with(
                    429,
                    "too many history queries in progress: wait for their answers",
                    vec![("Retry-After", "1".to_owned())],
                ));
            }
            Err(super::history_quota::Refused::Full) => {
                return Some(error_with(
                    503,
                    "history is busy: try again shortly",
                    vec![("Retry-After", "1".to_owned())],
                ));
            }
        }
        self.out.push_back(Output::History { req, request });
        None
    }

    /// The history store answered.
    pub(super) fn handle_history_answer(&mut self, req: ReqId, answer: HistoryAnswer) {
        self.history_quota.end(req);
        let encoded = match answer {
            HistoryAnswer::Series(series) => serde_json::to_string(&SeriesList { series }),
            HistoryAnswer::Range(data) => serde_json::to_string(&data),
            HistoryAnswer::Invalid(e) => return self.respond(req, error(400, &e.to_string())),
            HistoryAnswer::Unavailable => {
                return self.respond(req, error(503, "history is unavailable"));
            }
            // Nobody reads this answer; it only lets the adapter forget the request.
            HistoryAnswer::Abandoned => {
                return self.respond(req, error(503, "the client went away"));
            }
        };
        let response = match encoded {
            Ok(body) => ok(Arc::from(body)),
            Err(_) => error(500, "could not encode history"),
        };
        self.respond(req, response);
    }

    /// Hands the tick's series to the history store (history on).
    pub(super) fn record_history(&mut self) {
        if !self.config.history {
            return;
        }
        let (Some(derived), Some(reading)) =
            (self.sampler.latest_derived(), self.sampler.latest_reading())
        else {
            return;
        };
        let values = series_values(derived, reading);
        let unix_secs = self.unix_secs();
        self.out
            .push_back(Output::HistoryAppend { unix_secs, values });
    }
}
