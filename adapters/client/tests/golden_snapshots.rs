//! `system()` and `network()` on a fresh server equal the golden bodies of the fixture host.

mod common;

use common::{HOST, PASSWORD, TestServer, golden};
use psmonitor_client::Client;

#[test]
fn system_matches_the_golden_body() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let server = TestServer::start_with(|c| c.history = false);
    let mut client = Client::new(server.client_config(PASSWORD)).unwrap();
    let system = smol::block_on(client.system()).unwrap();
    assert_eq!(
        serde_json::to_value(&system).unwrap(),
        golden(HOST, "system.json")
    );
}

#[test]
fn network_matches_the_golden_body() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let server = TestServer::start_with(|c| c.history = false);
    let mut client = Client::new(server.client_config(PASSWORD)).unwrap();
    let network = smol::block_on(client.network()).unwrap();
    assert_eq!(
        serde_json::to_value(&network).unwrap(),
        golden(HOST, "network.json")
    );
}
