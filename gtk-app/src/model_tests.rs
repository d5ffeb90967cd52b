use std::time::{Duration, Instant};

use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};

use super::*;

fn golden<T: serde::de::DeserializeOwned>(host: &str, file: &str) -> T {
    let path = format!(
        "{}/../fixtures/golden/{host}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn system() -> SystemSnapshot {
    golden("desktop-intel-wifi", "system.json")
}

#[test]
fn first_system_snapshot_refreshes_every_panel() {
    let mut vm = ViewModel::default();
    let r = vm.apply(WatchEvent::System(Box::new(system())));
    for flag in [
        Refresh::PLATFORM,
        Refresh::CPU,
        Refresh::MEMORY,
        Refresh::DISK,
        Refresh::PROCESSES,
        Refresh::GRAPHS,
    ] {
        assert!(r.contains(flag), "{flag:?} missing from {r:?}");
    }
    assert!(!r.contains(Refresh::NETWORK));
    assert_eq!(vm.platform.hostname, "ws-alice");
    assert_eq!(vm.cpu.as_ref().map(|c| c.cores.len()), Some(8));
    assert_eq!(vm.processes[0].name, "rustc");
}

#[test]
fn an_identical_frame_only_extends_the_graphs() {
    let mut vm = ViewModel::default();
    let _ = vm.apply(WatchEvent::Connected);
    let frame: StreamFrame = golden("desktop-intel-wifi", "frame.json");
    let first = vm.apply(WatchEvent::Frame(Box::new(frame.clone())));
    assert!(first.contains(Refresh::CPU | Refresh::PROCESSES));
    let again = vm.apply(WatchEvent::Frame(Box::new(frame)));
    assert_eq!(again, Refresh::GRAPHS);
    assert_eq!(vm.history.cpu.len(), 2);
}

#[test]
fn disconnect_then_frame_toggles_the_banner() {
    let mut vm = ViewModel::default();
    let r = vm.apply(WatchEvent::Disconnected {
        error: ClientError::Unreachable {
            target: "http://127.0.0.1:1".into(),
            reason: "connection refused".into(),
        },
        retry_in: Duration::from_secs(2),
    });
    assert_eq!(r, Refresh::CONNECTION);
    match &vm.connection {
        Connection::Lost { message, retry_in } => {
            assert!(message.contains("connection refused"), "{message}");
            assert!(message.contains("psmonitor serve"), "{message}");
            assert_eq!(*retry_in, Duration::from_secs(2));
        }
        other => panic!("expected Lost, got {other:?}"),
    }
    let frame: StreamFrame = golden("desktop-intel-wifi", "frame.json");
    let r = vm.apply(WatchEvent::Frame(Box::new(frame)));
    assert!(r.contains(Refresh::CONNECTION));
    assert_eq!(vm.connection, Connection::Live);
}

#[test]
fn refused_login_is_final_and_says_what_to_do() {
    let mut vm = ViewModel::default();
    let r = vm.apply(WatchEvent::Stopped(ClientError::BadCredentials));
    assert_eq!(r, Refresh::CONNECTION);
    let Connection::Failed { message } = &vm.connection else {
        panic!("expected Failed, got {:?}", vm.connection);
    };
    assert!(message.contains("wrong username or password"), "{message}");
    assert!(message.contains("credentials show"), "{message}");
}

#[test]
fn network_rates_come_from_the_server_or_from_counters() {
    let mut vm = ViewModel::default();
    let net: NetworkSnapshot = golden("desktop-intel-wifi", "network.json");
    let r = vm.apply(WatchEvent::Network(Box::new(net.clone())));
    assert!(r.contains(Refresh::NETWORK));
    let name = net.interfaces.iter().find(|n| *n != "lo").unwrap().clone();
    assert_eq!(vm.rates[&name].rx, net.statistics[&name].rx_bytes_per_sec);

    // An original server: no rate keys, so rates follow the counters.
    let mut vm = ViewModel::default();
    let mut old = net.clone();
    for s in old.statistics.values_mut() {
        s.rx_bytes_per_sec = 0.0;
        s.tx_bytes_per_sec = 0.0;
    }
    let mut new = old.clone();
    new.statistics.get_mut(&name).unwrap().mb_received += 2.0;
    let t0 = Instant::now();
    let _ = vm.apply_at(WatchEvent::Network(Box::new(old)), t0);
    let _ = vm.apply_at(
        WatchEvent::Network(Box::new(new)),
        t0 + Duration::from_secs(2),
    );
    assert_eq!(vm.rates[&name].rx, 1024.0 * 1024.0);
    assert_eq!(vm.history.rx.last(), Some(1024.0 * 1024.0));
}

#[test]
fn missing_temperature_leaves_the_temperature_graph_empty() {
    let mut vm = ViewModel::default();
    let mut s = system();
    s.cpu.temp = None;
    let _ = vm.apply(WatchEvent::System(Box::new(s)));
    assert!(vm.history.temp.is_empty());
    assert_eq!(vm.history.cpu.len(), 1);
}

#[test]
fn an_invalid_url_says_how_to_write_one() {
    let error = ClientError::InvalidUrl {
        url: "not a host:port".into(),
        reason: "expected HOST[:PORT]".into(),
    };
    let message = explain(&error);
    assert!(message.contains("http://192.168.1.20:4500"), "{message}");
    let other = explain(&ClientError::Protocol("closed: going away".into()));
    assert!(
        other.contains("Is the address a PSMonitor server?"),
        "{other}"
    );
}

#[test]
fn recorded_history_prefills_the_graphs_before_live_frames() {
    let mut vm = ViewModel::default();
    let history = crate::client::HistoryData {
        step: 1,
        times: vec![1_000, 1_001, 1_002, 1_003],
        series: [
            ("cpu.usage", vec![Some(10.0), None, Some(30.0), Some(40.0)]),
            ("mem.percent", vec![Some(50.0), Some(51.0), None, None]),
            (
                "net.rx_bytes_per_sec@eth0",
                vec![Some(100.0), Some(100.0), None, None],
            ),
            (
                "net.rx_bytes_per_sec@wlan0",
                vec![Some(5.0), None, None, None],
            ),
            ("net.rx_bytes_per_sec@lo", vec![Some(1e9), None, None, None]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    };
    let now = Instant::now() + Duration::from_secs(60);
    let r = vm.apply_history(&history, now, 1_004);
    assert!(r.contains(Refresh::GRAPHS));
    let cpu: Vec<f64> = vm.history.cpu.points().map(|p| p.1).collect();
    assert_eq!(cpu, [10.0, 30.0, 40.0]);
    let first = vm.history.cpu.points().next().unwrap().0;
    assert_eq!(now.duration_since(first), Duration::from_secs(4));
    assert_eq!(vm.history.mem.len(), 2);
    // All interfaces but lo, summed per time.
    let rx: Vec<f64> = vm.history.rx.points().map(|p| p.1).collect();
    assert_eq!(rx, [105.0, 100.0]);
    assert!(vm.history.temp.is_empty());
}
