//! A watch survives the server going away and coming back on the same port.

mod common;

use std::time::Duration;

use common::{PASSWORD, TestServer, until};
use psmonitor_client::{WatchEvent, WatchOptions, watch};

#[test]
fn the_watch_reports_the_outage_and_resumes_frames() {
    let mut server = TestServer::start();
    let options = WatchOptions {
        network_every: None,
        max_backoff: Duration::from_millis(400),
        history: None,
        detail: false,
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
    let (system, _) = until(&w.events, wait, |e| matches!(e, WatchEvent::System(_)));
    assert!(matches!(system, WatchEvent::System(_)));
    until(&w.events, wait, |e| matches!(e, WatchEvent::Frame(_)));
    w.stop();
}
