//! `GET /metrics` (DESIGN 5.5): the latest host reading and the server's own counters in the
//! Prometheus text format 0.0.4 or OpenMetrics 1.0.0.
//!
//! Host metrics use node_exporter's names, types, units and labels where the meaning is the same
//! ([`node`]); the server's own are `psmonitor_*` ([`own`]). [`Writer`] does the format details:
//! HELP/TYPE lines, label escaping, counter naming and the closing `# EOF`.

mod devices;
mod gpu;
mod kernel;
mod netclass;
mod node;
mod own;
mod writer;

pub use own::ServerStats;
pub use writer::{Kind, Writer, escape_label_value};

use crate::model::HostReading;

/// The exposition format of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsFormat {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0.0 text.
    OpenMetrics,
}

impl MetricsFormat {
    /// The format an `Accept` header prefers: OpenMetrics when it ranks
    /// `application/openmetrics-text` above (or equal to) every other type, text otherwise.
    #[must_use]
    pub fn from_accept(accept: Option<&str>) -> Self {
        let mut open = 0.0f32;
        let mut other = 0.0f32;
        for part in accept.unwrap_or("").split(',') {
            let mut params = part.split(';');
            let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if media == "application/openmetrics-text" {
                open = open.max(q);
            } else if !media.is_empty() {
                other = other.max(q);
            }
        }
        if open > 0.0 && open >= other {
            Self::OpenMetrics
        } else {
            Self::Text
        }
    }

    /// The `Content-Type` of an answer in this format.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Text => "text/plain; version=0.0.4; charset=utf-8",
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Encodes the `/metrics` body of `reading` (taken `now_unix` seconds after the epoch) and the
/// server's own `stats`.
#[must_use]
pub fn encode(
    format: MetricsFormat,
    reading: &HostReading,
    now_unix: u64,
    stats: &ServerStats,
) -> String {
    let mut w = Writer::new(format);
    node::write(&mut w, reading, now_unix);
    #[allow(clippy::cast_precision_loss)] // seconds since the epoch are far below 2^52
    kernel::write(&mut w, reading, now_unix as f64);
    netclass::write(&mut w, reading);
    devices::write(&mut w, reading);
    gpu::write(&mut w, reading);
    own::write(&mut w, reading, stats);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_negotiation() {
        use MetricsFormat::{OpenMetrics, Text};
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(MetricsFormat::from_accept(Some(prometheus)), OpenMetrics);
        assert_eq!(MetricsFormat::from_accept(None), Text);
        assert_eq!(MetricsFormat::from_accept(Some("*/*")), Text);
        assert_eq!(MetricsFormat::from_accept(Some("text/plain")), Text);
        assert_eq!(
            MetricsFormat::from_accept(Some(
                "text/plain;q=0.9, Application/OpenMetrics-Text; version=1.0.0"
            )),
            OpenMetrics
        );
        assert_eq!(
            MetricsFormat::from_accept(Some("application/openmetrics-text;q=0.2,text/plain")),
            Text
        );
        assert_eq!(
            MetricsFormat::from_accept(Some("application/openmetrics-text;q=0")),
            Text
        );
    }
}
