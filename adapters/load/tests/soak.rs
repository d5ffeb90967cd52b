//! The soak extras end to end, against a real in-process server (127.0.0.1 port 0, SQLite in a
//! temp dir): subscribers that drop and reopen their websocket in rounds keep receiving frames,
//! and the progress CSV gets a row per period with the counters rising.

use std::time::Duration;

use psmonitor_load::progress::CSV_HEADER;
use psmonitor_load::{LoadOptions, SoakOptions, run_soak};
use zeroize::Zeroizing;

mod common;

use common::{INTERVAL, PASSWORD};

#[test]
fn reconnecting_subscribers_and_progress_rows() {
    let (server, dir) = common::fixture_server();
    let csv = dir.path().join("progress.csv");
    let opts = LoadOptions {
        server: format!("http://{}", server.addr()),
        user: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.into()),
        subscribers: 6,
        duration: Duration::from_secs(3),
        // The server runs in this process: its memory and descriptors are ours.
        server_pid: Some(std::process::id()),
        http_rate: 10,
        login_rate: 2,
        interval: INTERVAL,
        trust: Default::default(),
    };
    let soak = SoakOptions {
        reconnect: 2,
        reconnect_every: Duration::from_millis(600),
        progress: Some(csv.clone()),
        progress_every: Duration::from_millis(500),
    };
    let report = run_soak(&opts, &soak).unwrap();
    server.stop().unwrap();
    println!("{report}");

    assert_eq!(report.subscribers_connected, 6, "{report}");
    assert_eq!(report.subscribers_dropped, 0, "{report}");
    // Rounds at 0.15, 0.75, 1.35, 1.95 and 2.55 s, two subscribers each.
    let r = report.reconnects.as_ref().expect("reconnect figures");
    assert_eq!(r.failed, 0, "{report}");
    assert!((6..=10).contains(&r.done), "{report}");
    let f = &report.frames;
    // 3 s at 200 ms: about 15 ticks. A reconnected subscriber keeps receiving: no one ends
    // far short, and what it could not get while away is not counted as missed.
    assert!((11..=17).contains(&f.ticks), "{report}");
    assert!(f.min + 4 >= f.ticks, "{report}");
    assert!(f.missed <= 3, "{report}");
    assert!(report.to_string().contains("reconnects"), "{report}");

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Rows at 0, 0.5, ..., 2.5 and 3 s.
    assert_eq!(rows.len(), 7, "{text}");
    let col = |name: &str| CSV_HEADER.split(',').position(|c| c == name).unwrap();
    let value = |row: &Vec<&str>, name: &str| row[col(name)].parse::<f64>().unwrap();
    let columns = CSV_HEADER.split(',').count();
    for pair in rows.windows(2) {
        assert!(pair.iter().all(|r| r.len() == columns), "{text}");
        for counter in ["elapsed_s", "frames_delivered", "reconnects", "http_ok"] {
            assert!(
                value(&pair[1], counter) >= value(&pair[0], counter),
                "{counter}: {text}"
            );
        }
    }
    let last = rows.last().unwrap();
    assert!((2.5..4.0).contains(&value(last, "elapsed_s")), "{text}");
    assert!(
        value(last, "rss_kib") > 1000.0 && value(last, "fds") > 6.0,
        "{text}"
    );
    assert!(value(last, "frames_delivered") >= 6.0 * 8.0, "{text}");
    assert!(value(last, "reconnects") >= 4.0, "{text}");
    assert!(value(last, "http_ok") >= 15.0, "{text}");
    assert!(value(last, "logins_ok") >= 3.0, "{text}");
    assert_eq!(value(last, "reconnect_failures"), 0.0, "{text}");
}

#[test]
fn too_frequent_rounds_or_rows_are_refused() {
    let opts = LoadOptions {
        server: "http://127.0.0.1:9".into(),
        user: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.into()),
        subscribers: 1,
        duration: Duration::from_secs(1),
        server_pid: None,
        http_rate: 0,
        login_rate: 0,
        interval: INTERVAL,
        trust: Default::default(),
    };
    for soak in [
        SoakOptions {
            reconnect: 1,
            reconnect_every: Duration::from_millis(10),
            ..SoakOptions::default()
        },
        SoakOptions {
            progress: Some("x.csv".into()),
            progress_every: Duration::ZERO,
            ..SoakOptions::default()
        },
    ] {
        let err = run_soak(&opts, &soak).unwrap_err();
        assert!(
            matches!(err, psmonitor_load::LoadError::Invalid(_)),
            "{soak:?}: {err}"
        );
    }
}
