//! The result of one run, as readable text or JSON.

use std::fmt;

use serde::Serialize;

use crate::procfs::ProcUsage;
use crate::stats::LatencySummary;
use crate::ticks::FrameStats;

/// Everything one run measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Subscribers asked for.
    pub subscribers_requested: usize,
    /// Subscribers connected before the window started.
    pub subscribers_connected: usize,
    /// Subscribers that could not be opened.
    pub subscribers_failed: u64,
    /// Why the first one failed.
    pub first_open_error: Option<String>,
    /// Subscribers whose stream ended during the run.
    pub subscribers_dropped: u64,
    /// Seconds taken to open the subscribers.
    pub ramp_secs: f64,
    /// Seconds measured.
    pub window_secs: f64,
    /// The stream interval the run assumed, ms.
    pub interval_ms: f64,
    /// Frames per subscriber inside the window.
    pub frames: FrameStats,
    /// The server over the window, when its pid was given.
    pub server: Option<ProcUsage>,
    /// This load generator over the window.
    pub load_generator: Option<ProcUsage>,
    /// `GET /system`, when the HTTP probe ran.
    pub system: Option<LatencySummary>,
    /// `POST /authenticate`, when the login probe ran.
    pub login: Option<LatencySummary>,
    /// 1-minute load average at the start and end of the window.
    pub load_average: (Option<f64>, Option<f64>),
    /// Subscribers closed and reopened during the window, when asked for.
    pub reconnects: Option<Reconnects>,
}

/// Subscribers that closed and reopened their websocket during the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Reconnects {
    /// Reopened.
    pub done: u64,
    /// Closed but could not be reopened.
    pub failed: u64,
    /// Frames not received because their subscriber was reconnecting (expected, not missed).
    pub gap_frames: u64,
}

impl Report {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn mib(u: &ProcUsage) -> String {
    format!(
        "CPU {:.2} % of one core; RSS {:.1} MiB at start, {:.1} MiB at end, peak (VmHWM) {:.1} MiB; {} threads",
        u.cpu_percent, u.rss_start_mib, u.rss_mib, u.peak_rss_mib, u.threads
    )
}

fn latency(f: &mut fmt::Formatter<'_>, name: &str, s: &LatencySummary) -> fmt::Result {
    writeln!(
        f,
        "{name:<18} {} ok ({:.1}/s), {} errors, {} skipped: p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        s.ok, s.rate, s.errors, s.skipped, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms
    )?;
    if let Some(e) = &s.first_error {
        writeln!(f, "{:<18} first error: {e}", "")?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fr = &self.frames;
        writeln!(
            f,
            "{:<18} {} of {} connected in {:.1} s; {} failed; {} dropped during the run",
            "subscribers",
            self.subscribers_connected,
            self.subscribers_requested,
            self.ramp_secs,
            self.subscribers_failed,
            self.subscribers_dropped
        )?;
        if let Some(e) = &self.first_open_error {
            writeln!(f, "{:<18} first failure: {e}", "")?;
        }
        writeln!(
            f,
            "{:<18} {:.1} s, {} ticks seen (interval {:.0} ms)",
            "window", self.window_secs, fr.ticks, self.interval_ms
        )?;
        if self.subscribers_connected > 0 {
            writeln!(
                f,
                "{:<18} min {}  mean {:.2}  max {}; missed {} ({} subscribers missed any)",
                "frames/subscriber", fr.min, fr.mean, fr.max, fr.missed, fr.subscribers_missing
            )?;
            writeln!(
                f,
                "{:<18} mean {:.0} B; {:.0} B per subscriber per second; delivery spread max {:.1} ms",
                "frame size", fr.mean_frame_bytes, fr.bytes_per_subscriber_second, fr.max_spread_ms
            )?;
        }
        if let Some(r) = &self.reconnects {
            writeln!(
                f,
                "{:<18} {} done, {} failed; {} frames fell in their gaps (expected, not missed)",
                "reconnects", r.done, r.failed, r.gap_frames
            )?;
        }
        if let Some(s) = &self.server {
            writeln!(f, "{:<18} {}", "server", mib(s))?;
        }
        if let Some(s) = &self.load_generator {
            writeln!(f, "{:<18} {}", "load generator", mib(s))?;
        }
        if let Some(s) = &self.system {
            latency(f, "GET /system", s)?;
        }
        if let Some(s) = &self.login {
            latency(f, "POST /authenticate", s)?;
        }
        let avg = |v: Option<f64>| v.map_or("?".to_owned(), |v| format!("{v:.2}"));
        writeln!(
            f,
            "{:<18} {} at start, {} at end",
            "load average",
            avg(self.load_average.0),
            avg(self.load_average.1)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_carry_the_figures() {
        let report = Report {
            subscribers_requested: 10,
            subscribers_connected: 9,
            subscribers_failed: 1,
            first_open_error: Some("boom".into()),
            window_secs: 30.0,
            interval_ms: 1000.0,
            frames: FrameStats {
                ticks: 30,
                min: 29,
                mean: 29.9,
                max: 30,
                missed: 1,
                subscribers_missing: 1,
                mean_frame_bytes: 612.0,
                bytes_per_subscriber_second: 610.0,
                max_spread_ms: 3.5,
            },
            server: Some(ProcUsage {
                cpu_percent: 0.25,
                peak_rss_mib: 7.5,
                ..ProcUsage::default()
            }),
            system: Some(LatencySummary {
                ok: 1500,
                p50_ms: 0.41,
                p99_ms: 2.5,
                ..LatencySummary::default()
            }),
            load_average: (Some(1.5), None),
            ..Report::default()
        };
        let text = report.to_string();
        for needle in [
            "9 of 10 connected",
            "first failure: boom",
            "min 29  mean 29.90  max 30; missed 1",
            "mean 612 B",
            "CPU 0.25 %",
            "peak (VmHWM) 7.5 MiB",
            "p50 0.410 ms",
            "1.50 at start, ? at end",
        ] {
            assert!(text.contains(needle), "{needle:?} not in\n{text}");
        }
        assert!(!text.contains("POST /authenticate"));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["frames"]["missed"], 1);
        assert_eq!(json["system"]["p99_ms"], 2.5);
        assert_eq!(json["login"], serde_json::Value::Null);
    }
}
