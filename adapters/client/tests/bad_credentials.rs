//! A wrong password is `BadCredentials` and stops a watch for good.

mod common;

use std::time::Duration;

use common::{TestServer, next_event};
use psmonitor_client::{Client, ClientError, WatchEvent, WatchOptions, watch};

#[test]
fn a_wrong_password_is_bad_credentials() {
    let server = TestServer::start();
    let mut client = Client::new(server.client_config("wrong password")).unwrap();
    let err = smol::block_on(client.system()).unwrap_err();
    assert!(matches!(err, ClientError::BadCredentials), "{err:?}");
    assert!(err.is_fatal());
    let err = smol::block_on(client.subscribe()).unwrap_err();
    assert!(matches!(err, ClientError::BadCredentials), "{err:?}");
}

#[test]
fn the_watch_stops_with_bad_credentials() {
    let server = TestServer::start();
    let w = watch(
        server.client_config("wrong password"),
        WatchOptions::default(),
    );
    match next_event(&w.events, Duration::from_secs(15)) {
        WatchEvent::Stopped(ClientError::BadCredentials) => {}
        other => panic!("expected Stopped(BadCredentials), got {other:?}"),
    }
    // No more events: the channel closes once the thread is done.
    let rest = smol::block_on(w.events.recv());
    assert!(rest.is_err(), "an event after Stopped: {rest:?}");
}
