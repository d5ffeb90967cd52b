//! The full happy path through every route with the fixture collector, compared with the golden
//! files, and once with the real host collector (shape and types only).

mod common;

use std::time::Duration;

use common::{TestServer, golden, host, next_text};
use psmonitor_collector::{FixtureSampler, HostCollector, Sampler};
use psmonitor_core::auth::Argon2Params;
use psmonitor_core::snapshot::Snapshot;
use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};

const HOSTS: [&str; 3] = ["vm-no-sensors", "desktop-intel-wifi", "amd-k10temp"];

/// The frames a fresh fixture sampler yields, one per consecutive pair of readings.
fn expected_frames(name: &str, count: usize) -> Vec<String> {
    let mut sampler = FixtureSampler::from_file(host(name)).unwrap();
    let readings: Vec<_> = (0..=count).map(|_| sampler.sample()).collect();
    readings
        .windows(2)
        .map(|pair| {
            let elapsed = Duration::from_millis(pair[1].monotonic_ms - pair[0].monotonic_ms);
            Snapshot::derive(&pair[0], &pair[1], elapsed)
                .frame
                .to_string()
        })
        .collect()
}

#[test]
fn every_route_and_three_frames_match_the_golden_files() {
    for name in HOSTS {
        // History off: nothing is sampled before the first request (with history on, the
        // sampler runs from the start and the first answer is a later reading).
        let server = TestServer::start_with(name, |c| c.history = false);
        let bearer = server.bearer();
        // Asked together on a fresh server, both wait for the same first snapshot: the one made
        // of the fixture's two recorded readings, which the golden files hold.
        let (system, network) = std::thread::scope(|s| {
            let network = s.spawn(|| server.get("/network", Some(&bearer)));
            (
                server.get("/system", Some(&bearer)),
                network.join().unwrap(),
            )
        });
        assert_eq!(system.status, 200);
        assert_eq!(system.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            system.body,
            golden(name, "system.json").trim_end(),
            "{name} /system"
        );
        assert_eq!(network.status, 200);
        assert_eq!(
            network.body,
            golden(name, "network.json").trim_end(),
            "{name} /network"
        );

        let worker = server.worker(&bearer);
        assert!(worker["message"].as_str().is_some_and(|m| !m.is_empty()));
        let url = worker["url"].as_str().unwrap();
        let (mut ws, _) = tungstenite::connect(url).unwrap();
        assert_eq!(
            next_text(&mut ws),
            "connected to monitor, transmitting data..."
        );
        let frames: Vec<String> = (0..3).map(|_| next_text(&mut ws)).collect();
        let expected = expected_frames(name, 12);
        let start = expected
            .iter()
            .position(|f| *f == frames[0])
            .unwrap_or_else(|| {
                panic!(
                    "{name}: first frame is not in the fixture's sequence: {}",
                    frames[0]
                )
            });
        assert_eq!(
            frames[..],
            expected[start..start + 3],
            "{name}: frames out of sequence"
        );
        // The first frame of the sequence is the golden frame itself.
        assert_eq!(expected[0], golden(name, "frame.json").trim_end());
    }
}

#[test]
fn the_real_host_collector_serves_well_formed_snapshots() {
    let collector = HostCollector::new().unwrap();
    let server = TestServer::start_sampler(Box::new(collector), Argon2Params::testing(), |_| {});
    let bearer = server.bearer();
    let system: SystemSnapshot =
        serde_json::from_str(&server.get("/system", Some(&bearer)).body).unwrap();
    assert!(
        (0.0..=100.0).contains(&system.cpu.usage),
        "{}",
        system.cpu.usage
    );
    assert!(!system.cpu.cores.is_empty());
    assert!(system.mem.total > 0.0 && (0.0..=100.0).contains(&system.mem.percent));
    assert!(system.disk.total > 0.0);
    assert!(!system.user.is_empty() && !system.platform.kernel.is_empty());
    assert!(!system.platform.uptime.is_empty());
    assert!((1..=10).contains(&system.processes.len()));
    assert!(
        system.processes.windows(2).all(|w| w[0].mem >= w[1].mem),
        "sorted by memory"
    );

    let network = server.get("/network", Some(&bearer));
    let parsed: NetworkSnapshot = serde_json::from_str(&network.body).unwrap();
    assert!(parsed.interfaces.iter().any(|i| i == "lo"));
    assert!(parsed.statistics.contains_key("lo"));
    let raw: serde_json::Value = serde_json::from_str(&network.body).unwrap();
    assert!(raw["wireless"] == "N/A" || raw["wireless"].is_object());

    let mut ws = server.subscribe();
    assert_eq!(
        next_text(&mut ws),
        "connected to monitor, transmitting data..."
    );
    let frame: StreamFrame = serde_json::from_str(&next_text(&mut ws)).unwrap();
    assert!(frame.mem.total > 0.0 && !frame.uptime.is_empty());
}
