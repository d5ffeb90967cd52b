//! Paced request probes: `GET /system` at a fixed rate on one keep-alive connection, and logins
//! at a fixed rate, each on a fresh connection, never more than [`MAX_LOGINS_IN_FLIGHT`] at once
//! (the server's failed-login limiter counts logins still being verified).
//!
//! The `GET /system` probe is closed-loop: it waits for each answer before sending the next, and
//! a slot missed while waiting is not made up in a burst. Latency is timed from the write of the
//! request to the last byte of the answer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use smol::LocalExecutor;
use zeroize::Zeroizing;

use crate::LoadError;
use psmonitor_client::HttpConnection;

use crate::http::{Auth, IO_TIMEOUT, Target, http_conn};
use crate::progress::Live;
use crate::stats::Samples;

/// Logins allowed in flight at once (the limiter blocks an address at 5 unfinished failures).
pub const MAX_LOGINS_IN_FLIGHT: usize = 4;

/// Sends `GET /system` `rate` times a second until `until`; returns the latencies.
pub(crate) async fn system(
    target: Rc<Target>,
    auth: Rc<Auth>,
    rate: u32,
    until: Instant,
    live: Rc<Live>,
) -> Samples {
    let mut samples = Samples::default();
    let period = Duration::from_secs(1) / rate.max(1);
    let window = until.saturating_duration_since(Instant::now());
    let max_requests = window.as_secs_f64() * f64::from(rate) + 1.0;
    let mut conn = http_conn(&target);
    let mut next = Instant::now();
    let mut sent = 0u64;
    while next < until && (sent as f64) < max_requests {
        smol::Timer::at(next).await;
        sent += 1;
        match one_system(&mut conn, &auth).await {
            Ok(latency) => {
                samples.latencies.push(latency);
                Live::bump(&live.http_ok);
            }
            Err(e) => {
                samples.fail(e);
                Live::bump(&live.http_errors);
            }
        }
        next += period;
        next = next.max(Instant::now());
    }
    samples
}

/// One unrecorded `GET /system`: a fresh server has no baseline reading yet and answers its first
/// request only after two samples one interval apart, which is start-up, not latency.
pub(crate) async fn warm_up(target: &Target, auth: &Auth) -> Result<(), LoadError> {
    one_system(&mut http_conn(target), auth).await.map(|_| ())
}

async fn one_system(conn: &mut HttpConnection, auth: &Auth) -> Result<Duration, LoadError> {
    let session = auth.session().await?;
    let start = Instant::now();
    let res = conn
        .request("GET", "/system", Some(&session.token), None)
        .await?;
    let latency = start.elapsed();
    match res.status {
        200 => Ok(latency),
        status => {
            if status == 401 {
                auth.invalidate().await;
            }
            Err(res.unexpected("/system").into())
        }
    }
}

/// Starts a login `rate` times a second until `until`; returns the latencies once all are done.
pub(crate) async fn logins(
    ex: Rc<LocalExecutor<'static>>,
    target: Rc<Target>,
    user: String,
    password: Zeroizing<String>,
    rate: u32,
    until: Instant,
    live: Rc<Live>,
) -> Samples {
    let samples = Rc::new(RefCell::new(Samples::default()));
    let in_flight = Rc::new(Cell::new(0usize));
    let period = Duration::from_secs(1) / rate.max(1);
    let window = until.saturating_duration_since(Instant::now());
    let max_logins = window.as_secs_f64() * f64::from(rate) + 1.0;
    let mut tasks = Vec::new();
    let mut next = Instant::now();
    let mut started = 0u64;
    while next < until && (started as f64) < max_logins {
        smol::Timer::at(next).await;
        started += 1;
        next += period;
        if in_flight.get() >= MAX_LOGINS_IN_FLIGHT {
            samples.borrow_mut().skipped += 1;
            continue;
        }
        in_flight.set(in_flight.get() + 1);
        let (samples, in_flight, user, password, target, live) = (
            samples.clone(),
            in_flight.clone(),
            user.clone(),
            password.clone(),
            target.clone(),
            live.clone(),
        );
        tasks.push(ex.spawn(async move {
            let mut conn = http_conn(&target);
            let start = Instant::now();
            match psmonitor_client::login(&mut conn, &user, &password).await {
                Ok(_) => {
                    samples.borrow_mut().latencies.push(start.elapsed());
                    Live::bump(&live.logins_ok);
                }
                Err(e) => {
                    samples.borrow_mut().fail(e);
                    Live::bump(&live.login_errors);
                }
            }
            in_flight.set(in_flight.get() - 1);
        }));
    }
    // Each login ends within its own timeout; wait for them, boundedly.
    let _ = crate::http::within(IO_TIMEOUT * 2, async {
        for task in tasks {
            task.await;
        }
        Ok(())
    })
    .await;
    samples.take()
}
