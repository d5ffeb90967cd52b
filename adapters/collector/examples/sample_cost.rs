//! Prints the mean wall time of one sample and how many processes it saw.
//!
//! `cargo run --release -p psmonitor-collector --example sample_cost -- [N] [procfs|sysinfo]`
//! (default N = 50, procfs).

use std::time::{Duration, Instant};

use psmonitor_collector::Backend;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args().nth(1).map_or(Ok(50), |a| a.parse())?;
    let n = n.max(1);
    let backend: Backend = std::env::args()
        .nth(2)
        .map_or(Ok(Backend::Procfs), |a| a.parse())?;
    let mut collector = backend.open()?;
    let started = Instant::now();
    let first = collector.sample();
    println!(
        "first sample (fills the process table): {:?}",
        started.elapsed()
    );

    let mut total = Duration::ZERO;
    let mut slowest = Duration::ZERO;
    let mut processes = first.processes.len();
    for _ in 0..n {
        let started = Instant::now();
        let reading = collector.sample();
        let took = started.elapsed();
        total += took;
        slowest = slowest.max(took);
        processes = reading.processes.len();
    }
    println!(
        "{backend}: {n} samples: mean {:?}, slowest {slowest:?}, {processes} processes, {} disks, {} interfaces, {} sensors",
        total / n,
        first.disks.len(),
        first.interfaces.len(),
        first.cpu.sensors.len()
    );
    Ok(())
}
