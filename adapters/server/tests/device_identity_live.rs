//! Device identity from the live host, end to end: the server reading this machine through the
//! real `/proc` and `/sys` collector sends, to a detailed subscriber, each interface's addresses
//! (the loopback's `127.0.0.1/8` on any Linux host) and an identity for each disk it charts.

mod common;

use common::{TestServer, next_text};
use psmonitor_collector::HostCollector;
use psmonitor_core::auth::Argon2Params;
use psmonitor_core::wire::DetailedFrame;

#[test]
fn a_detailed_subscriber_gets_this_hosts_interfaces_and_disks() {
    let server = TestServer::start_sampler(
        Box::new(HostCollector::new().unwrap()),
        Argon2Params::testing(),
        |_| {},
    );
    let bearer = server.bearer();
    let worker = server.worker(&bearer);
    let url = worker["url"].as_str().unwrap();
    let query = format!("{}&detail=full", url.split_once('?').unwrap().1);
    let mut ws = server.connect(&query);
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    let frame: DetailedFrame = serde_json::from_str(&next_text(&mut ws)).unwrap();
    let lo = frame
        .net_info
        .iter()
        .find(|n| n.name == "lo")
        .unwrap_or_else(|| panic!("no lo in {:?}", frame.net_info));
    assert!(lo.ipv4.iter().any(|a| a == "127.0.0.1/8"), "{lo:?}");
    assert!(lo.speed_mbps.is_none(), "the loopback has no link speed");
    for name in frame.net.keys() {
        assert!(
            frame.net_info.iter().any(|n| &n.name == name),
            "{name} has no identity"
        );
    }
    let disks: Vec<&str> = frame.disk_io.iter().map(|d| d.name.as_str()).collect();
    let known: Vec<&str> = frame.disk_info.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(known, disks);
}
