//! One websocket subscriber for memory and CPU measurements: logs in, creates a worker, streams
//! for a while and prints each frame's size.
//!
//! `PSMONITOR_PASSWORD=... cargo run --release -p psmonitor-server --example subscribe -- 127.0.0.1:PORT [SECONDS]`

use std::time::{Duration, Instant};

use tungstenite::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().ok_or("usage: subscribe HOST:PORT [SECONDS]")?;
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let password = std::env::var("PSMONITOR_PASSWORD")?;
    let login = serde_json::json!({"username": "PSMonitor", "password": password});
    let reply: serde_json::Value = ureq::post(format!("http://{addr}/authenticate"))
        .send_json(&login)?
        .body_mut()
        .read_json()?;
    let token = reply["token"].as_str().ok_or("no token")?;
    let worker: serde_json::Value = ureq::post(format!("http://{addr}/worker"))
        .header("Authorization", format!("Bearer {token}"))
        .send_empty()?
        .body_mut()
        .read_json()?;
    let url = worker["url"].as_str().ok_or("no worker url")?;
    let (mut ws, _) = tungstenite::connect(url)?;
    let started = Instant::now();
    let mut sizes = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        match ws.read()? {
            Message::Text(text) => sizes.push(text.len()),
            Message::Close(frame) => return Err(format!("closed: {frame:?}").into()),
            _ => {}
        }
    }
    let frames = sizes.get(1..).unwrap_or_default();
    println!(
        "{} frames after the greeting; bytes min {} max {}",
        frames.len(),
        frames.iter().min().unwrap_or(&0),
        frames.iter().max().unwrap_or(&0)
    );
    Ok(())
}
