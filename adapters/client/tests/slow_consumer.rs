//! A consumer that stops reading never makes the events channel grow past its bound, and loses
//! only frames and network snapshots: `Connected`, `System` and errors wait for room.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, TestServer, until};
use psmonitor_client::{EVENT_BOUND, WatchEvent, WatchOptions, watch};

/// The kinds of `events`, for messages.
fn kinds(events: &[WatchEvent]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            WatchEvent::Connected => "Connected",
            WatchEvent::System(_) => "System",
            WatchEvent::Frame(_) => "Frame",
            WatchEvent::Detail(_) => "Detail",
            WatchEvent::Network(_) => "Network",
            WatchEvent::History(_) => "History",
            WatchEvent::Disconnected { .. } => "Disconnected",
            WatchEvent::Stopped(_) => "Stopped",
        })
        .collect()
}

#[test]
fn the_channel_stays_bounded_and_keeps_every_lifecycle_event() {
    let mut server = TestServer::start();
    let options = WatchOptions {
        network_every: Some(Duration::from_millis(50)),
        max_backoff: Duration::from_millis(300),
        ..WatchOptions::default()
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
    // Keep not reading for several more intervals, and through a server restart.
    std::thread::sleep(Duration::from_secs(1));
    server.restart();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(w.events.len(), EVENT_BOUND);

    let wait = Duration::from_secs(15);
    let is = |want: fn(&WatchEvent) -> bool| move |e: &WatchEvent| want(e);
    let (_, before) = until(&w.events, wait, is(|e| matches!(e, WatchEvent::Connected)));
    assert!(
        before.is_empty(),
        "Connected was not first: {:?}",
        kinds(&before)
    );
    let (_, before) = until(&w.events, wait, is(|e| matches!(e, WatchEvent::System(_))));
    assert!(
        before.is_empty(),
        "System did not follow Connected: {:?}",
        kinds(&before)
    );
    let (_, before) = until(
        &w.events,
        wait,
        is(|e| matches!(e, WatchEvent::Disconnected { .. })),
    );
    assert!(
        before.iter().any(|e| matches!(e, WatchEvent::Frame(_))),
        "frames were queued before the outage: {:?}",
        kinds(&before)
    );
    until(&w.events, wait, is(|e| matches!(e, WatchEvent::Connected)));
    let (_, before) = until(&w.events, wait, is(|e| matches!(e, WatchEvent::System(_))));
    assert!(
        before.is_empty(),
        "System did not follow Connected: {:?}",
        kinds(&before)
    );
    until(&w.events, wait, is(|e| matches!(e, WatchEvent::Frame(_))));
    w.stop();
}
