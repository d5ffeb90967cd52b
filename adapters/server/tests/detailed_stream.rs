//! `/connect?...&detail=full` over a real socket: the detailed frames of the AMD-GPU fixture host,
//! in sequence, the first one byte for byte the golden `detail.json`; a classic subscriber on the
//! same server keeps getting the classic frames.

mod common;

use std::time::Duration;

use common::{TestServer, golden, host, next_text};
use psmonitor_collector::{FixtureSampler, Sampler};
use psmonitor_core::snapshot::Snapshot;
use psmonitor_core::wire::{DetailedFrame, StreamFrame};

const HOST: &str = "amd-gpu-desktop";

/// The (classic, detailed) frames a fresh fixture sampler yields, one per pair of readings.
fn expected_frames(count: usize) -> Vec<(String, String)> {
    let mut sampler = FixtureSampler::from_file(host(HOST)).unwrap();
    let readings: Vec<_> = (0..=count).map(|_| sampler.sample()).collect();
    readings
        .windows(2)
        .map(|pair| {
            let elapsed = Duration::from_millis(pair[1].monotonic_ms - pair[0].monotonic_ms);
            let snap = Snapshot::derive_with_detail(&pair[0], &pair[1], elapsed, true);
            (snap.frame.to_string(), snap.detail.unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_detailed_subscriber_gets_the_detailed_frames_and_a_classic_one_the_classic_frames() {
    let server = TestServer::start(HOST);
    let bearer = server.bearer();
    let worker = server.worker(&bearer);
    let url = worker["url"].as_str().unwrap();
    let query = format!("{}&detail=full", url.split_once('?').unwrap().1);
    let mut detailed = server.connect(&query);
    let mut classic = server.subscribe();
    for ws in [&mut detailed, &mut classic] {
        assert_eq!(next_text(ws), "connected to monitor, transmitting data...");
    }
    let details: Vec<String> = (0..3).map(|_| next_text(&mut detailed)).collect();
    let classics: Vec<String> = (0..2).map(|_| next_text(&mut classic)).collect();

    let expected = expected_frames(12);
    assert_eq!(expected[0].1, golden(HOST, "detail.json").trim_end());
    let start = expected
        .iter()
        .position(|(_, d)| *d == details[0])
        .unwrap_or_else(|| panic!("first detailed frame not in sequence: {}", details[0]));
    let want: Vec<&String> = expected[start..start + 3].iter().map(|(_, d)| d).collect();
    assert_eq!(details.iter().collect::<Vec<_>>(), want);
    for frame in &classics {
        assert!(
            expected.iter().any(|(c, _)| c == frame),
            "a classic subscriber got a frame not in the classic sequence: {frame}"
        );
        let _: StreamFrame = serde_json::from_str(frame).unwrap();
    }
    let parsed: DetailedFrame = serde_json::from_str(&details[0]).unwrap();
    assert_eq!(parsed.gpus[0].vendor, "AMD");
    assert!(!parsed.procs.is_empty() && parsed.procs.len() <= 100);
    assert_eq!(
        parsed.disk_info[0].model.as_deref(),
        Some("Samsung SSD 980 PRO 1TB")
    );
    assert!(parsed.net_info.iter().any(|n| n.speed_mbps == Some(2500)));
}
