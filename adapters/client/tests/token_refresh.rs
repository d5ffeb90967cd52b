//! With a 2 s token lifetime, a client kept for 5 s keeps working: it logs in again by itself.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, TestServer};
use psmonitor_client::Client;

#[test]
fn calls_and_subscriptions_outlive_the_token() {
    let server = TestServer::start_with(|cfg| cfg.token_ttl = Duration::from_secs(2));
    let mut client = Client::new(server.client_config(PASSWORD)).unwrap();
    smol::block_on(async {
        let end = Instant::now() + Duration::from_secs(5);
        let mut calls = 0;
        while Instant::now() < end {
            client.system().await.expect("system");
            client.network().await.expect("network");
            let mut sub = client.subscribe().await.expect("subscribe");
            sub.next().await.expect("frame");
            calls += 1;
            smol::Timer::after(Duration::from_millis(300)).await;
        }
        assert!(calls >= 5, "only {calls} rounds in 5 s");
    });
}
