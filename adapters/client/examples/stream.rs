//! Prints a server's live CPU and memory until Ctrl-C, reconnecting as needed.
//!
//! `PSMONITOR_PASSWORD=... cargo run -p psmonitor-client --example stream [-- http://HOST:4500]`
#![forbid(unsafe_code)]

use psmonitor_client::{ClientConfig, WatchEvent, WatchOptions, watch};
use zeroize::Zeroizing;

fn main() {
    let config = ClientConfig {
        server: std::env::args()
            .nth(1)
            .unwrap_or_else(|| "http://127.0.0.1:4500".into()),
        username: "PSMonitor".into(),
        password: Zeroizing::new(std::env::var("PSMONITOR_PASSWORD").unwrap_or_default()),
        trust: Default::default(),
    };
    let watch = watch(config, WatchOptions::default());
    // Any thread or async runtime can read the events; here, a blocking loop.
    while let Ok(event) = watch.events.recv_blocking() {
        match event {
            WatchEvent::Connected => println!("connected"),
            WatchEvent::System(s) => println!("{} ({})", s.platform.distro, s.platform.kernel),
            WatchEvent::Frame(f) => println!(
                "cpu {:5.1} %   mem {:.2}/{:.2} GB   up {}",
                f.cpu.usage, f.mem.used, f.mem.total, f.uptime
            ),
            WatchEvent::Network(n) => println!("interfaces: {}", n.interfaces.join(", ")),
            WatchEvent::History(h) => println!("history: {} points", h.times.len()),
            WatchEvent::Detail(d) => println!("detail: {} processes", d.procs.len()),
            WatchEvent::Disconnected { error, retry_in } => {
                eprintln!("lost: {error}; retrying in {retry_in:?}")
            }
            WatchEvent::Stopped(error) => {
                eprintln!("stopped: {error}");
                break;
            }
        }
    }
}
