//! Prints the classic and detailed stream frame sizes of the live host over N one-second ticks.
//!
//! `cargo run --release -p psmonitor-collector --example frame_sizes -- [N] [procfs|sysinfo]`
//! (default N = 10, procfs).

use std::time::Duration;

use psmonitor_collector::Backend;
use psmonitor_core::snapshot::Snapshot;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(10), |a| a.parse())?;
    let backend: Backend = std::env::args()
        .nth(2)
        .map_or(Ok(Backend::Procfs), |a| a.parse())?;
    let mut collector = backend.open()?;
    let mut prev = collector.sample();
    let (mut classic, mut detail) = (Vec::new(), Vec::new());
    for _ in 0..n.max(1) {
        std::thread::sleep(Duration::from_secs(1));
        let cur = collector.sample();
        let elapsed = Duration::from_millis(cur.monotonic_ms - prev.monotonic_ms);
        let snap = Snapshot::derive_with_detail(&prev, &cur, elapsed, true);
        classic.push(snap.frame.len());
        detail.push(snap.detail.as_deref().map_or(0, str::len));
        prev = cur;
    }
    let range = |v: &[usize]| (v.iter().min().copied(), v.iter().max().copied());
    println!(
        "{backend}: {} ticks, {} processes: classic frame {:?} bytes, detailed frame {:?} bytes",
        classic.len(),
        prev.processes.len(),
        range(&classic),
        range(&detail)
    );
    Ok(())
}
