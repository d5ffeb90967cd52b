//! Replays hours of history writes at 1 s into a real `history.db` (simulated clock, 18 series,
//! a flush every 10 samples, as the server does) and prints this process's `RssAnon` after each
//! clock hour's compaction: whether the hourly work leaves memory behind, and whether it does so
//! every hour or once.
//!
//! `cargo run --release -p psmonitor-history --example hourly_rss -- [HOURS] [SERIES]`

use psmonitor_core::series::SeriesValues;
use psmonitor_history::{HistoryStore, Retention};

#[path = "shared/status.rs"]
mod status;

use status::status_kib;

/// `series` values at `t`: percentages in 0.1 steps, counters rising by pages, loads.
fn sample(t: i64, series: usize) -> SeriesValues {
    (0..series)
        .map(|s| {
            let n = t as usize * (s + 7);
            let v = match s % 3 {
                0 => (n % 1_000) as f64 / 10.0,
                1 => (2_000_000_000 + (n / 10 % 100_000) * 4_096) as f64,
                _ => (n % 400) as f64 / 100.0,
            };
            (format!("series{s}"), v)
        })
        .collect()
}

fn main() {
    // On a thread of its own, as in the server (its allocations then go to a thread arena).
    std::thread::spawn(replay).join().expect("the replay");
}

fn replay() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let hours: i64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(6);
    let series: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(18);
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = 1_700_002_800; // a clock hour
    let (mut store, _) =
        HistoryStore::open(dir.path(), Retention::default(), start as u64).expect("open");
    println!("hour  RssAnon KiB  (after the first write of the hour, i.e. its compaction)");
    for t in start..start + hours * 3_600 + 10 {
        store.append(t, sample(t, series));
        if store.pending_len() >= 10 {
            store.flush().expect("flush");
            if t % 3_600 < 10 {
                println!("{:4}  {}", (t - start) / 3_600, status_kib("RssAnon:"));
            }
        }
    }
}
