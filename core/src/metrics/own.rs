//! The server's own metrics, `psmonitor_*`.

use crate::derive::process::{ProcessGroup, TOP_PROCESSES, top_process_groups};
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

/// Writes the heaviest process groups' memory, CPU time and threads, summed exactly over their
/// processes in the same pass that finds them (the encoded rows carry rounded MiB).
fn write_process_groups(w: &mut Writer, r: &HostReading) {
    let top = top_process_groups(&r.processes, &[], TOP_PROCESSES);
    type Field = fn(&ProcessGroup<'_>) -> f64;
    let families: [(&str, Kind, &str, Field); 3] = [
        (
            "psmonitor_process_group_cpu_seconds",
            Kind::Counter,
            "CPU time the processes of the heaviest process groups have used, in seconds \
             (drops when one of them exits).",
            |g| g.cpu_ms as f64 / 1000.0,
        ),
        (
            "psmonitor_process_group_resident_bytes",
            Kind::Gauge,
            "Resident memory of the heaviest process groups (processes sharing a name), in bytes.",
            |g| g.rss as f64,
        ),
        (
            "psmonitor_process_group_threads",
            Kind::Gauge,
            "Threads of the heaviest process groups.",
            |g| g.threads as f64,
        ),
    ];
    for (name, kind, help, field) in families {
        w.family(name, kind, help);
        for group in &top {
            w.sample(&[("name", group.name)], field(group));
        }
    }
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

    write_process_groups(w, r);

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
