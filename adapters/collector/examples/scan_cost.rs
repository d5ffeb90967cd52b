//! CPU time of one process scan (`ProcessReader::read` on the live `/proc`), user and kernel
//! time together: each process's `stat` held open and re-read with `pread`, against every
//! `stat` opened by path each scan (a cap of 0, as before). The two readers take turns in
//! blocks in one process, so both see the same machine load; the time is this thread's CPU
//! time from `/proc/thread-self/schedstat` (nanoseconds). For scale, the whole sample a
//! subscriber's tick takes (`HostCollector::sample_for` with processes, without the
//! node_exporter-only sources) is timed the same way.
//!
//! A third reader is told the same newest pid every scan (`ProcessReader::read_since`), as on
//! a host where no process or thread was started: it lists `/proc` once every
//! `LIST_EVERY` scans instead of every scan.
//!
//! `cargo run --release -p psmonitor-collector --example scan_cost -- [ROUNDS] [BLOCK]`
//! (default 20 rounds of 100 scans each).

use psmonitor_collector::identity::UserNames;
use psmonitor_collector::procs::{LIST_EVERY, MAX_HELD, ProcessReader};
use psmonitor_collector::{HostCollector, SampleRequest, Sampler};

/// This thread's CPU time so far, in nanoseconds.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().map_or(Ok(20), |a| a.parse())?;
    let block: u32 = args.next().map_or(Ok(100), |a| a.parse())?;
    let mut users = UserNames::default();
    let mut readers = [
        ("by path (cap 0)", ProcessReader::with_held_cap("/proc", 0)),
        (
            "held (pread)",
            ProcessReader::with_held_cap("/proc", MAX_HELD),
        ),
        (
            "held, no new pid",
            ProcessReader::with_held_cap("/proc", MAX_HELD),
        ),
    ];
    let mut processes = 0;
    for (_, reader) in &mut readers {
        processes = reader.read(&mut users).len();
    }
    let mut per_scan = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (i, (_, reader)) in readers.iter_mut().enumerate() {
            let started = cpu_ns();
            for _ in 0..block {
                let newest = (i == 2).then_some(1);
                std::hint::black_box(reader.read_since(&mut users, newest));
            }
            let ns = cpu_ns().saturating_sub(started);
            per_scan[i].push(ns as f64 / f64::from(block) / 1000.0);
        }
    }
    let mut host = HostCollector::new()?;
    let watched = SampleRequest {
        processes: true,
        node: false,
    };
    host.sample_for(watched);
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let started = cpu_ns();
        for _ in 0..block {
            std::hint::black_box(host.sample_for(watched));
        }
        samples.push(cpu_ns().saturating_sub(started) as f64 / f64::from(block) / 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "{processes} user processes, {rounds} rounds of {block} scans each (the third lists /proc every {LIST_EVERY}), CPU time per scan:"
    );
    for ((name, reader), mut times) in readers.iter().zip(per_scan) {
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "  {name}: median {median:.1} µs, min {:.1} µs, max {:.1} µs ({} held)",
            times[0],
            times[times.len() - 1],
            reader.held()
        );
    }
    println!(
        "  a whole sample with processes (HostCollector::sample_for): median {:.1} µs",
        samples[samples.len() / 2]
    );
    Ok(())
}
