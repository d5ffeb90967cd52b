//! A watch survives the server going away and coming back on the same port.

mod common;

use std::time::Duration;

use common::{HOST, PASSWORD, TestServer, golden, until};
use psmonitor_client::{WatchEvent, WatchOptions, watch};

#[test]
fn the_watch_reports_the_outage_and_resumes_frames() {
    let mut server = TestServer::start();
    let options = WatchOptions {
        network_every: None,
        max_backoff: Duration::from_millis(400),
        history: None,
        ..WatchOptions::default()
    };
    let w = watch(server.client_config(PASSWORD), options);
    let wait = Duration::from_secs(15);
    until(&w.events, wait, |e| matches!(e, WatchEvent::Connected));
    until(&w.events, wait, |e| matches!(e, WatchEvent::Frame(_)));

    server.restart();

    let (_, before) = until(&w.events, wait, |e| matches!(e, WatchEvent::Connected));
    assert!(
        before
            .iter()
            .any(|e| matches!(e, WatchEvent::Disconnected { .. })),
        "no Disconnected before the new Connected: {before:?}"
    );
    for e in &before {
        if let WatchEvent::Disconnected { error, retry_in } = e {
            assert!(!error.is_fatal(), "{error}");
            assert!(*retry_in <= Duration::from_millis(400), "{retry_in:?}");
        }
    }
    // The watch logs in again and gets the restarted server's snapshot (the fixture host's),
    // with no new outage in between, then frames resume.
    let (system, between) = until(&w.events, wait, |e| matches!(e, WatchEvent::System(_)));
    let WatchEvent::System(system) = system else {
        unreachable!("until returned the event it waited for")
    };
    assert!(
        !between
            .iter()
            .any(|e| matches!(e, WatchEvent::Disconnected { .. })),
        "lost again after reconnecting: {between:?}"
    );
    let got = serde_json::to_value(&*system).unwrap();
    let want = golden(HOST, "system.json");
    for field in [
        "/platform/distro",
        "/platform/kernel",
        "/mem/total",
        "/disk/total",
    ] {
        assert_eq!(got.pointer(field), want.pointer(field), "{field}");
    }
    let (_, between) = until(&w.events, wait, |e| matches!(e, WatchEvent::Frame(_)));
    assert!(
        !between
            .iter()
            .any(|e| matches!(e, WatchEvent::Disconnected { .. })),
        "{between:?}"
    );
    w.stop();
}
