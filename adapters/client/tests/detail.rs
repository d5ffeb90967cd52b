//! A watch asked for the detailed stream (`detail=full`) reports detailed frames: per-core usage,
//! disks, sensors and per-process rows as the fixture host's golden detailed frame has them.

mod common;

use std::time::Duration;

use common::{HOST, PASSWORD, TestServer, golden, until};
use psmonitor_client::{WatchEvent, WatchOptions, watch};

#[test]
fn a_detailed_watch_gets_detailed_frames_only() {
    let server = TestServer::start();
    let options = WatchOptions {
        detail: true,
        ..WatchOptions::default()
    };
    let w = watch(server.client_config(PASSWORD), options);
    let (event, seen) = until(&w.events, Duration::from_secs(20), |e| {
        matches!(e, WatchEvent::Detail(_))
    });
    let WatchEvent::Detail(frame) = event else {
        unreachable!()
    };
    assert!(
        !seen.iter().any(|e| matches!(e, WatchEvent::Frame(_))),
        "a classic frame came on a detailed watch"
    );
    let g = golden(HOST, "detail.json");
    let cores: Vec<f64> = serde_json::from_value(g["cpu"]["cores"].clone()).unwrap();
    assert_eq!(frame.cpu.cores, cores);
    let disks: Vec<String> = g["disks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["mount"].as_str().unwrap_or_default().to_owned())
        .collect();
    let got: Vec<String> = frame.disks.iter().map(|d| d.mount.clone()).collect();
    assert_eq!(got, disks);
    assert_eq!(frame.procs.len(), g["procs"].as_array().unwrap().len());
    w.stop();
}

#[test]
fn a_server_without_the_detailed_stream_still_streams_classic_frames() {
    use psmonitor_client::detailed_or_classic;
    let classic = serde_json::to_string(&golden(HOST, "frame.json")).unwrap();
    assert!(matches!(detailed_or_classic(&classic), Ok(Err(_))));
    let detailed = serde_json::to_string(&golden(HOST, "detail.json")).unwrap();
    assert!(matches!(detailed_or_classic(&detailed), Ok(Ok(_))));
    assert!(detailed_or_classic("{\"cpu\": 1}").is_err());
}
