//! PSMonitor load generator: opens many websocket subscribers, paces `GET /system` and login
//! requests, and reads the server's CPU time and memory from `/proc`, all on one smol thread.
//!
//! [`run`] does one bounded run against a server on 127.0.0.1 and returns a [`Report`]. It only
//! ever connects to 127.0.0.1: a load test aimed at someone else's machine is an attack.
#![forbid(unsafe_code)]

mod http;
pub mod probes;
pub mod procfs;
pub mod progress;
mod reconnect;
pub mod report;
pub mod stats;
mod subscribers;
pub mod ticks;

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use smol::LocalExecutor;
use zeroize::Zeroizing;

pub use procfs::{FileLimit, ProcSample, ProcUsage, raise_file_limit};
pub use report::{Reconnects, Report};

use crate::procfs::load_average;

/// Longest run accepted: a day, so a soak can cross several clock hours.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);
/// Most subscribers accepted.
pub const MAX_SUBSCRIBERS: usize = 100_000;
/// Time allowed for opening subscribers: this much plus [`RAMP_PER_SUBSCRIBER`] each.
const RAMP_BASE: Duration = Duration::from_secs(30);
/// Extra opening time per subscriber.
const RAMP_PER_SUBSCRIBER: Duration = Duration::from_millis(20);
/// Extra time after the window for frames of its last ticks to arrive.
const GRACE: Duration = Duration::from_millis(500);

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The server URL is not `http[s]://127.0.0.1:PORT`.
    #[error("only http[s]://127.0.0.1:PORT (or localhost) may be targeted, not {0:?}")]
    NotLocal(String),
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Invalid(String),
    /// A socket operation failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// A login, request or subscription failed: connection lost, no answer in time, an
    /// unexpected status or answer.
    #[error(transparent)]
    Client(#[from] psmonitor_client::ClientError),
    /// `/proc` could not be read or the open-file limit not raised.
    #[error("{0}")]
    Proc(String),
}

/// What to run.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The server's base URL; must be `http://127.0.0.1:PORT` or `http://localhost:PORT`.
    pub server: String,
    /// Account name.
    pub user: String,
    /// The password.
    pub password: Zeroizing<String>,
    /// Websocket subscribers to open.
    pub subscribers: usize,
    /// Length of the measuring window (after the subscribers are open).
    pub duration: Duration,
    /// The server's pid, to read its CPU time and memory.
    pub server_pid: Option<u32>,
    /// `GET /system` requests per second (0: none).
    pub http_rate: u32,
    /// Logins per second (0: none).
    pub login_rate: u32,
    /// The server's stream interval.
    pub interval: Duration,
    /// Which certificates an `https://` server may present.
    pub trust: psmonitor_client::ClientTrust,
}

/// Extras for a long run (a soak): subscribers that reconnect, and progress rows as it goes.
#[derive(Clone, Debug, Default)]
pub struct SoakOptions {
    /// Subscribers that close and reopen their websocket each round (0: none).
    pub reconnect: usize,
    /// Time between reconnect rounds.
    pub reconnect_every: Duration,
    /// Where to write a CSV row of progress (server RSS, fds, CPU, frames, requests).
    pub progress: Option<std::path::PathBuf>,
    /// Time between progress rows.
    pub progress_every: Duration,
}

/// The socket address of a `http[s]://127.0.0.1:PORT` URL; anything else is refused.
pub fn local_target(url: &str) -> Result<SocketAddr, LoadError> {
    let ep = psmonitor_client::Endpoint::parse(url).map_err(|_| LoadError::NotLocal(url.into()))?;
    if !ep.prefix.is_empty() || !matches!(ep.host.as_str(), "127.0.0.1" | "localhost") {
        return Err(LoadError::NotLocal(url.into()));
    }
    Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, ep.port)))
}

fn check(opts: &LoadOptions) -> Result<(), LoadError> {
    if opts.duration.is_zero() || opts.duration > MAX_DURATION {
        return Err(LoadError::Invalid(format!(
            "duration must be between 1 ms and {MAX_DURATION:?}"
        )));
    }
    if opts.subscribers > MAX_SUBSCRIBERS {
        return Err(LoadError::Invalid(format!(
            "at most {MAX_SUBSCRIBERS} subscribers"
        )));
    }
    if opts.http_rate > 10_000 || opts.login_rate > 100 {
        return Err(LoadError::Invalid(
            "http rate at most 10000/s, login rate at most 100/s".into(),
        ));
    }
    if opts.interval < Duration::from_millis(10) {
        return Err(LoadError::Invalid("interval must be at least 10 ms".into()));
    }
    Ok(())
}

fn check_soak(soak: &SoakOptions) -> Result<(), LoadError> {
    let short = Duration::from_millis(100);
    if soak.reconnect > 0 && soak.reconnect_every < short {
        return Err(LoadError::Invalid(
            "reconnect rounds must be at least 100 ms apart".into(),
        ));
    }
    if soak.progress.is_some() && soak.progress_every < short {
        return Err(LoadError::Invalid(
            "progress rows must be at least 100 ms apart".into(),
        ));
    }
    Ok(())
}

/// Runs the load described by `opts` on this thread and reports what it measured.
pub fn run(opts: &LoadOptions) -> Result<Report, LoadError> {
    run_soak(opts, &SoakOptions::default())
}

/// As [`run`], with reconnecting subscribers and progress rows as `soak` asks.
pub fn run_soak(opts: &LoadOptions, soak: &SoakOptions) -> Result<Report, LoadError> {
    check(opts)?;
    check_soak(soak)?;
    let addr = local_target(&opts.server)?;
    let ep = psmonitor_client::Endpoint::parse(&opts.server)?;
    let tls = match ep.tls {
        true => Some(
            opts.trust
                .client(&ep.host, ep.port)
                .map_err(|e| psmonitor_client::ClientError::TlsSetup(e.to_string()))?,
        ),
        false => None,
    };
    let ex = Rc::new(LocalExecutor::new());
    smol::block_on(ex.run(run_on(ex.clone(), opts, soak, http::Target::new(addr, tls))))
}

async fn run_on(
    ex: Rc<LocalExecutor<'static>>,
    opts: &LoadOptions,
    soak: &SoakOptions,
    target: Rc<http::Target>,
) -> Result<Report, LoadError> {
    let auth = Rc::new(http::Auth::new(
        target.clone(),
        opts.user.clone(),
        opts.password.clone(),
    ));
    // An idle run sends nothing at all, so the server stays truly idle.
    if opts.subscribers > 0 || opts.http_rate > 0 {
        auth.session().await?;
    }
    let ramp_start = Instant::now();
    let ramp_limit = (RAMP_BASE + RAMP_PER_SUBSCRIBER * opts.subscribers as u32).min(MAX_DURATION);
    let fleet = subscribers::open(
        ex.clone(),
        target.clone(),
        auth.clone(),
        opts.subscribers,
        opts.interval,
        ramp_start + ramp_limit,
    )
    .await;
    let fleet = Rc::new(fleet);
    let ramp = ramp_start.elapsed();
    if opts.http_rate > 0 {
        probes::warm_up(&target, &auth).await?;
    }

    let load_start = load_average();
    let server_start = opts.server_pid.map(ProcSample::read).transpose()?;
    let me_start = ProcSample::read_self()?;
    let from = Instant::now();
    let until = from + opts.duration;
    let live = Rc::new(progress::Live::default());
    let gaps = Rc::new(RefCell::new(Vec::new()));
    let system = (opts.http_rate > 0).then(|| {
        ex.spawn(probes::system(
            target.clone(),
            auth.clone(),
            opts.http_rate,
            until,
            live.clone(),
        ))
    });
    let logins = (opts.login_rate > 0).then(|| {
        ex.spawn(probes::logins(
            ex.clone(),
            target.clone(),
            opts.user.clone(),
            opts.password.clone(),
            opts.login_rate,
            until,
            live.clone(),
        ))
    });
    let churn = (soak.reconnect > 0).then(|| {
        ex.spawn(reconnect::rounds(
            ex.clone(),
            target.clone(),
            auth.clone(),
            fleet.clone(),
            reconnect::Churn {
                per_round: soak.reconnect,
                every: soak.reconnect_every,
                from,
                until,
            },
            gaps.clone(),
            live.clone(),
        ))
    });
    let rows = soak.progress.clone().map(|path| {
        let src = progress::Sources {
            book: fleet.book.clone(),
            received: fleet.received.clone(),
            gaps: gaps.clone(),
            dropped: fleet.dropped.clone(),
            live: live.clone(),
            server_pid: opts.server_pid,
            interval: opts.interval,
        };
        let every = soak.progress_every;
        ex.spawn(async move { progress::write_rows(&path, every, from, until, src).await })
    });
    smol::Timer::at(until).await;
    if let Some(task) = churn {
        task.await;
    }
    let to = Instant::now();
    let server_end = opts.server_pid.map(ProcSample::read).transpose()?;
    let me_end = ProcSample::read_self()?;
    let load_end = load_average();
    let window = to.saturating_duration_since(from);
    let system = match system {
        Some(task) => Some(task.await.summarize(window)),
        None => None,
    };
    let login = match logins {
        Some(task) => Some(task.await.summarize(window)),
        None => None,
    };
    if fleet.connected() > 0 {
        smol::Timer::after(opts.interval.min(Duration::from_secs(5)) + GRACE).await;
    }
    if let Some(task) = rows {
        task.await?;
    }
    fleet.stop();
    let (frames, gap_frames) = ticks::frame_stats_with_gaps(
        &fleet.book.borrow(),
        &fleet.received.borrow(),
        &gaps.borrow(),
        from,
        to,
    );
    Ok(Report {
        subscribers_requested: opts.subscribers,
        subscribers_connected: fleet.connected(),
        subscribers_failed: fleet.failed,
        first_open_error: fleet.first_error.clone(),
        subscribers_dropped: fleet.dropped.get(),
        ramp_secs: ramp.as_secs_f64(),
        window_secs: window.as_secs_f64(),
        interval_ms: opts.interval.as_secs_f64() * 1e3,
        frames,
        server: server_start
            .zip(server_end)
            .map(|(a, b)| ProcUsage::between(&a, &b)),
        load_generator: Some(ProcUsage::between(&me_start, &me_end)),
        system,
        login,
        load_average: (load_start, load_end),
        reconnects: (soak.reconnect > 0).then(|| Reconnects {
            done: live.reconnects.get(),
            failed: live.reconnect_failures.get(),
            gap_frames,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_localhost_is_a_target() {
        let ok = SocketAddr::from((Ipv4Addr::LOCALHOST, 4600));
        assert_eq!(local_target("http://127.0.0.1:4600").unwrap(), ok);
        assert_eq!(local_target("localhost:4600").unwrap(), ok);
        assert_eq!(local_target("https://localhost:4600").unwrap(), ok);
        for bad in [
            "http://10.0.0.1:4600",
            "http://example.com",
            "http://127.0.0.1:1/x",
            "https://10.0.0.1:4600",
            "ftp://127.0.0.1:4600",
        ] {
            assert!(
                matches!(local_target(bad), Err(LoadError::NotLocal(_))),
                "{bad}"
            );
        }
    }
}
