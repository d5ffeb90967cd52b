//! A consumer that stops reading never makes the events channel grow past its bound.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, TestServer};
use psmonitor_client::{EVENT_BOUND, WatchEvent, WatchOptions, watch};

#[test]
fn the_channel_stays_bounded_and_the_latest_wins() {
    let server = TestServer::start();
    let options = WatchOptions {
        network_every: Some(Duration::from_millis(50)),
        max_backoff: Duration::from_secs(1),
        history: None,
        detail: false,
    };
    let w = watch(server.client_config(PASSWORD), options);
    assert_eq!(w.events.capacity(), Some(EVENT_BOUND));
    // Frames every 200 ms plus network every 50 ms: the bound is reached in about 2 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.events.len() < EVENT_BOUND {
        assert!(
            Instant::now() < deadline,
            "only {} events queued",
            w.events.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Keep not reading for several more intervals.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(w.events.len(), EVENT_BOUND);
    let queued: Vec<WatchEvent> = std::iter::from_fn(|| w.events.try_recv().ok()).collect();
    assert!(queued.len() <= EVENT_BOUND + 1, "{}", queued.len());
    assert!(
        !queued.iter().any(|e| matches!(e, WatchEvent::Connected)),
        "the oldest events should have been dropped"
    );
    assert!(queued.iter().any(|e| matches!(e, WatchEvent::Frame(_))));
    w.stop();
}
