//! A watch asked for history reports what the server recorded before it connected: after a
//! server restart, the graphs of a viewer start filled instead of empty.

mod common;

use std::time::Duration;

use common::{PASSWORD, TestServer, until};
use psmonitor_client::{WatchEvent, WatchOptions, watch};

#[test]
fn a_watch_with_history_gets_what_was_recorded_before_a_restart() {
    let mut server = TestServer::start();
    // Let the first run record a few samples (each frame is one recorded sample); stopping it
    // writes its last batch.
    let first = watch(
        server.client_config(PASSWORD),
        WatchOptions {
            history: None,
            network_every: None,
            ..WatchOptions::default()
        },
    );
    for _ in 0..3 {
        until(&first.events, Duration::from_secs(20), |e| {
            matches!(e, WatchEvent::Frame(_))
        });
    }
    first.stop();
    server.restart();
    let options = WatchOptions {
        history: Some(Duration::from_secs(300)),
        ..WatchOptions::default()
    };
    let w = watch(server.client_config(PASSWORD), options);
    let (event, _) = until(&w.events, Duration::from_secs(20), |e| {
        matches!(e, WatchEvent::History(_))
    });
    let WatchEvent::History(history) = event else {
        unreachable!()
    };
    let cpu = history
        .series
        .get("cpu.usage")
        .expect("cpu.usage in the history");
    assert_eq!(cpu.len(), history.times.len());
    assert!(
        cpu.iter().flatten().count() >= 1,
        "nothing recorded before the restart came back"
    );
    assert!(
        history.series.contains_key("mem.percent"),
        "{:?}",
        history.series.keys()
    );
    assert!(
        history.series.keys().all(|k| !k.ends_with("@lo")),
        "{:?}",
        history.series.keys()
    );
    w.stop();
}

#[test]
fn a_watch_without_history_on_the_server_streams_as_before() {
    let server = TestServer::start_with(|cfg| cfg.history = false);
    let options = WatchOptions {
        history: Some(Duration::from_secs(300)),
        ..WatchOptions::default()
    };
    let w = watch(server.client_config(PASSWORD), options);
    let (_, seen) = until(&w.events, Duration::from_secs(20), |e| {
        matches!(e, WatchEvent::Frame(_))
    });
    assert!(!seen.iter().any(|e| matches!(e, WatchEvent::History(_))));
    w.stop();
}
