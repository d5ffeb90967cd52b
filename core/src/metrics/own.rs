//! The server's own metrics, `psmonitor_*`.

use std::collections::HashMap;

use crate::derive::process::{TOP_PROCESSES, top_processes};
use crate::model::HostReading;

use super::{Kind, Writer};

/// The server's counters and gauges at the time of a scrape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerStats {
    /// Websockets subscribed to the stream.
    pub subscribers: u64,
    /// Stream frames sent since start (one per subscriber per tick).
    pub frames_sent: u64,
    /// Logins that succeeded since start.
    pub logins_ok: u64,
    /// Logins refused for wrong credentials since start.
    pub logins_failed: u64,
    /// Logins refused by the failed-login limiter since start.
    pub logins_limited: u64,
    /// How long the last host sample took, from request to reading, in seconds.
    pub sample_duration_secs: f64,
    /// The server's version.
    pub version: String,
}

/// Writes the `psmonitor_*` families.
pub(super) fn write(w: &mut Writer, r: &HostReading, s: &ServerStats) {
    w.family(
        "psmonitor_build_info",
        Kind::Gauge,
        "A metric with a constant '1' value labeled by the psmonitor version.",
    );
    w.sample(&[("version", &s.version)], 1.0);

    if let Some(mhz) = r.cpu.freq_mhz.filter(|f| f.is_finite()) {
        w.family(
            "psmonitor_cpu_frequency_hertz",
            Kind::Gauge,
            "Current CPU frequency in hertz.",
        );
        w.sample(&[], mhz * 1e6);
    }

    w.family(
        "psmonitor_frames_sent",
        Kind::Counter,
        "Stream frames sent to subscribers.",
    );
    w.sample(&[], s.frames_sent as f64);

    w.family(
        "psmonitor_logins",
        Kind::Counter,
        "Login attempts by result (ok, failed: wrong credentials, limited: too many failures).",
    );
    for (result, n) in [
        ("failed", s.logins_failed),
        ("limited", s.logins_limited),
        ("ok", s.logins_ok),
    ] {
        w.sample(&[("result", result)], n as f64);
    }

    w.family(
        "psmonitor_process_group_resident_bytes",
        Kind::Gauge,
        "Resident memory of the heaviest process groups (processes sharing a name), in bytes.",
    );
    let top = top_processes(&r.processes, TOP_PROCESSES);
    // Exact bytes of the top groups, in one pass (the rows carry rounded MiB).
    let mut bytes: HashMap<&str, u64> = top.iter().map(|g| (g.name.as_str(), 0)).collect();
    for p in &r.processes {
        if let Some(sum) = bytes.get_mut(p.name.as_str()) {
            *sum = sum.saturating_add(p.rss);
        }
    }
    for group in &top {
        w.sample(&[("name", &group.name)], bytes[group.name.as_str()] as f64);
    }

    w.family(
        "psmonitor_sample_duration_seconds",
        Kind::Gauge,
        "How long the last host sample took, in seconds.",
    );
    w.sample(&[], s.sample_duration_secs);

    w.family(
        "psmonitor_subscribers",
        Kind::Gauge,
        "Websocket connections subscribed to the stream.",
    );
    w.sample(&[], s.subscribers as f64);
}
