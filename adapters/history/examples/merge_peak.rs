//! Measures the memory one hourly compaction takes: an hour of 10-second chunks of SERIES series
//! (360 blobs) merged into one, the plain way (decode every chunk, merge, encode) or a column at
//! a time (`merge_stored`, what the store does). Prints how far the process's peak RSS rose
//! above its RSS before the merge, and how much of that was still resident after it.
//!
//! With `--after-big-free`, a 19 MiB buffer is first allocated, touched and freed, as the server's
//! first-run account hash did before issue 23's session 6. glibc then raises its mmap threshold
//! to that size, so the merge's large buffers come from the heap instead of `mmap`, and stay
//! resident once freed. With `--after-first-run`, the server's own first-run hash runs first
//! (argon2id at the production cost), to show whether it still does that.
//!
//! `cargo run --release -p psmonitor-history --example merge_peak -- plain|stored [SERIES]
//! [--after-big-free|--after-first-run]`; run each way in its own process, as
//! `scripts/bench-merge-peak.sh` does.

use psmonitor_history::fuzzing::{Chunk, decode, encode, merge, merge_stored};

#[path = "shared/status.rs"]
mod status;

use status::status_kib;

/// One 10-second chunk from `t0`: percentages in 0.1 steps, counters rising by pages, loads.
fn ten_seconds(t0: i64, series: usize) -> Chunk {
    let times: Vec<i64> = (t0..t0 + 10).collect();
    let mut values = Vec::with_capacity(times.len() * series);
    for &t in &times {
        for s in 0..series {
            let n = t as usize * (s + 7);
            values.push(match s % 3 {
                0 => (n % 1_000) as f32 / 10.0,
                1 => (2_000_000_000 + (n / 10 % 100_000) * 4_096) as f32,
                _ => (n % 400) as f32 / 100.0,
            });
        }
    }
    Chunk {
        ids: (1..=series as i64).collect(),
        times,
        values,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let way = args.first().map(String::as_str).unwrap_or("stored");
    let series: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(18);
    if args.iter().any(|a| a == "--after-big-free") {
        let big = vec![1u8; 19 * 1024 * 1024];
        std::hint::black_box(&big);
    }
    if args.iter().any(|a| a == "--after-first-run") {
        let cost = psmonitor_core::auth::Argon2Params::default();
        psmonitor_core::auth::hash_password("first run", &[7; 16], cost).expect("hash");
    }
    let hour = 1_700_002_800;
    let blobs: Vec<(i64, Vec<u8>)> = (0..360)
        .map(|i| {
            let t0 = hour + i * 10;
            (t0, encode(&ten_seconds(t0, series), t0, 1))
        })
        .collect();
    let stored: Vec<(i64, &[u8])> = blobs.iter().map(|(t, b)| (*t, b.as_slice())).collect();
    let before = status_kib("VmRSS:");
    // Writing 5 resets the peak (VmHWM) to the current RSS.
    std::fs::write("/proc/self/clear_refs", "5").expect("/proc/self/clear_refs");
    let merged_len = match way {
        "plain" => {
            let chunks: Vec<Chunk> = stored
                .iter()
                .map(|&(t, b)| decode(b, t, 1).expect("own blob"))
                .collect();
            let merged = merge(&chunks, 1);
            encode(&merged, hour, 1).len()
        }
        "stored" => {
            let merged = merge_stored(&stored, 1)
                .expect("own blobs")
                .expect("an hour");
            merged.blob.len()
        }
        other => panic!("say plain or stored, not {other}"),
    };
    let peak = status_kib("VmHWM:");
    let after = status_kib("VmRSS:");
    println!(
        "{way}: {series} series, 360 chunks of {} bytes in all into one of {merged_len}: \
         peak +{} KiB, still resident after +{} KiB",
        blobs.iter().map(|(_, b)| b.len()).sum::<usize>(),
        peak.saturating_sub(before),
        after.saturating_sub(before)
    );
}
