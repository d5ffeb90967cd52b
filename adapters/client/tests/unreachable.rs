//! A closed port is `Unreachable`; a watch keeps retrying with growing, capped delays.

mod common;

use std::time::Duration;

use common::{closed_port, next_event};
use psmonitor_client::{Client, ClientConfig, ClientError, WatchEvent, WatchOptions, watch};
use zeroize::Zeroizing;

fn config(port: u16) -> ClientConfig {
    ClientConfig {
        server: format!("http://127.0.0.1:{port}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new("x".into()),
        trust: Default::default(),
    }
}

#[test]
fn a_closed_port_is_unreachable() {
    let port = closed_port();
    let mut client = Client::new(config(port)).unwrap();
    for err in [
        smol::block_on(client.system()).unwrap_err(),
        smol::block_on(client.network()).unwrap_err(),
        smol::block_on(client.subscribe()).map(|_| ()).unwrap_err(),
    ] {
        assert!(
            matches!(&err, ClientError::Unreachable(m) if m.contains(&port.to_string())),
            "{err:?}"
        );
        assert!(!err.is_fatal());
    }
}

#[test]
fn an_invalid_url_is_fatal() {
    let mut bad = config(1);
    bad.server = "ftp://example.com".into();
    let err = Client::new(bad.clone()).unwrap_err();
    assert!(err.is_fatal(), "{err}");
    let w = watch(bad, WatchOptions::default());
    let event = next_event(&w.events, Duration::from_secs(5));
    assert!(
        matches!(event, WatchEvent::Stopped(ClientError::Protocol(_))),
        "{event:?}"
    );
}

#[test]
fn the_watch_retries_with_capped_backoff() {
    let options = WatchOptions {
        network_every: None,
        max_backoff: Duration::from_millis(300),
        history: None,
        detail: false,
    };
    let w = watch(config(closed_port()), options);
    for _ in 0..4 {
        match next_event(&w.events, Duration::from_secs(5)) {
            WatchEvent::Disconnected {
                error: ClientError::Unreachable(_),
                retry_in,
            } => {
                assert!(retry_in <= Duration::from_millis(300), "{retry_in:?}");
            }
            other => panic!("expected Disconnected(Unreachable), got {other:?}"),
        }
    }
    let started = std::time::Instant::now();
    w.stop();
    assert!(started.elapsed() < Duration::from_millis(1500));
}
