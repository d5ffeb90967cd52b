//! The stream yields typed frames, and they are a contiguous run of the fixture's derived frames.

mod common;

use std::time::Duration;

use common::{HOST, PASSWORD, TestServer, host};
use psmonitor_client::{Client, StreamFrame};
use psmonitor_collector::{FixtureSampler, Sampler};
use psmonitor_core::snapshot::Snapshot;

/// The frames the server derives from consecutive fixture samples 0..n.
fn expected_frames(n: usize) -> Vec<StreamFrame> {
    let mut sampler = FixtureSampler::from_file(host(HOST)).unwrap();
    let readings: Vec<_> = (0..n).map(|_| sampler.sample()).collect();
    readings
        .windows(2)
        .map(|pair| {
            let elapsed = Duration::from_millis(pair[1].monotonic_ms - pair[0].monotonic_ms);
            let snapshot = Snapshot::derive(&pair[0], &pair[1], elapsed);
            serde_json::from_str(&snapshot.frame).unwrap()
        })
        .collect()
}

#[test]
fn frames_are_a_contiguous_run_of_the_derived_sequence() {
    let server = TestServer::start();
    let mut client = Client::new(server.client_config(PASSWORD)).unwrap();
    let received: Vec<StreamFrame> = smol::block_on(async {
        let mut sub = client.subscribe().await.unwrap();
        let mut frames = Vec::new();
        for _ in 0..5 {
            frames.push(sub.next().await.unwrap());
        }
        frames
    });
    let expected = expected_frames(60);
    let start = expected
        .iter()
        .position(|f| *f == received[0])
        .unwrap_or_else(|| panic!("first frame is not a derived frame: {:?}", received[0]));
    assert_eq!(
        &expected[start..start + received.len()],
        &received[..],
        "frames are not contiguous from derived frame {start}"
    );
    // The run must move: an extrapolated host changes uptime every tick.
    assert_ne!(received[0].uptime, received[4].uptime);
}
