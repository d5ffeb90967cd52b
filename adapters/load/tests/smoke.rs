//! End to end: the load generator against a real in-process server on 127.0.0.1 port 0, with a
//! real SQLite file in a temp dir, 5 subscribers for 2 s; the report's numbers must be sane.

use std::time::Duration;

use psmonitor_load::{LoadOptions, run};
use zeroize::Zeroizing;

mod common;

use common::{INTERVAL, PASSWORD};

#[test]
fn five_subscribers_for_two_seconds() {
    let (server, _dir) = common::fixture_server();

    let opts = LoadOptions {
        server: format!("http://{}", server.addr()),
        user: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.into()),
        subscribers: 5,
        duration: Duration::from_secs(2),
        // The server runs in this process: its CPU and memory are ours.
        server_pid: Some(std::process::id()),
        http_rate: 20,
        login_rate: 2,
        interval: INTERVAL,
        trust: Default::default(),
    };
    let report = run(&opts).unwrap();
    server.stop().unwrap();
    println!("{report}");

    assert_eq!(report.subscribers_connected, 5, "{report}");
    assert_eq!(
        (report.subscribers_failed, report.subscribers_dropped),
        (0, 0)
    );
    assert!((1.9..3.0).contains(&report.window_secs), "{report}");
    let f = &report.frames;
    // 2 s at 200 ms: about 10 ticks; allow for a slow, shared machine.
    assert!((7..=12).contains(&f.ticks), "{report}");
    assert!(f.min + 2 >= f.ticks && f.max <= f.ticks, "{report}");
    assert!(f.missed <= 5, "{report}");
    assert!((200.0..2000.0).contains(&f.mean_frame_bytes), "{report}");
    let server = report.server.as_ref().unwrap();
    assert!(server.cpu_percent >= 0.0 && server.peak_rss_mib >= server.rss_mib * 0.99);
    assert!(server.rss_mib > 1.0, "{report}");
    let system = report.system.as_ref().unwrap();
    assert!(system.ok >= 20 && system.errors == 0, "{report}");
    assert!(
        system.p50_ms > 0.0 && system.p50_ms <= system.p99_ms && system.p99_ms <= system.max_ms
    );
    let login = report.login.as_ref().unwrap();
    assert!(login.ok >= 2 && login.errors == 0, "{report}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["subscribers_connected"], 5);
}
