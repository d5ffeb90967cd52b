//! Logins verify argon2 hashes off the I/O threads: while several run, `/system` keeps answering.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{PASSWORD, TestServer, host};
use psmonitor_collector::FixtureSampler;
use psmonitor_core::auth::Argon2Params;

/// As many parallel logins from one address as the limiter lets through (5 free failures, and a
/// login being verified counts as one until it succeeds).
const LOGINS: usize = 5;

#[test]
fn system_keeps_answering_while_logins_hash() {
    let sampler = FixtureSampler::from_file(host("vm-no-sensors")).unwrap();
    // Costlier than production argon2, so each login holds a verifier for a long while.
    let heavy = Argon2Params {
        m_kib: 64 * 1024,
        t: 6,
        p: 1,
    };
    let server = Arc::new(TestServer::start_sampler(Box::new(sampler), heavy, |cfg| {
        cfg.interval = Duration::from_secs(5)
    }));
    let bearer = server.bearer();
    assert_eq!(server.get("/system", Some(&bearer)).status, 200);

    let answered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let hammer = {
        let (server, answered, stop, bearer) = (
            server.clone(),
            answered.clone(),
            stop.clone(),
            bearer.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                assert_eq!(server.get("/system", Some(&bearer)).status, 200);
                answered.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while answered.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    let before = answered.load(Ordering::SeqCst);
    let logins: Vec<_> = (0..LOGINS)
        .map(|_| {
            let server = server.clone();
            // A login not checked within the server's 3 s deadline is answered 503 with
            // `Retry-After` (these hashes take seconds each): retry, as the clients do.
            std::thread::spawn(move || {
                loop {
                    let reply = server.login_with(PASSWORD);
                    if reply.status != 503 {
                        return reply.status;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();
    let statuses: Vec<u16> = logins.into_iter().map(|t| t.join().unwrap()).collect();
    let during = answered.load(Ordering::SeqCst) - before;
    stop.store(true, Ordering::SeqCst);
    hammer.join().unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // The verifications ran back to back on the pool (over a second in all). Run inline on the
    // hub's task instead, they let through about one answer per login (measured: 4); off the
    // I/O threads, thousands.
    assert!(
        during >= 10 * LOGINS,
        "only {during} /system answers while {LOGINS} logins were verified"
    );
}
