//! `Snapshot::derive` (derive + encode the three bodies) for recorded hosts, and with the
//! detailed frame too (`derive_with_detail`, what a tick costs with a `detail=full` subscriber).
//!
//! `cargo bench -p psmonitor-core --bench encode`

mod common;

use common::recording;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psmonitor_core::snapshot::Snapshot;

const HOSTS: [&str; 4] = [
    "vm-no-sensors",
    "desktop-intel-wifi",
    "many-processes",
    "amd-gpu-desktop",
];

fn derive(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_derive");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for name in HOSTS {
        let rec = recording(name);
        let [prev, cur] = [&rec.readings[0], &rec.readings[1]];
        let elapsed = Duration::from_millis(rec.interval_ms);
        let snap = Snapshot::derive_with_detail(prev, cur, elapsed, true);
        println!(
            "{name}: {} processes, stream frame {} bytes, detailed frame {} bytes",
            cur.processes.len(),
            snap.frame.len(),
            snap.detail.as_deref().map_or(0, str::len)
        );
        group.bench_function(name, |b| {
            b.iter(|| Snapshot::derive(prev, cur, elapsed));
        });
        group.bench_function(format!("{name}+detail"), |b| {
            b.iter(|| Snapshot::derive_with_detail(prev, cur, elapsed, true));
        });
    }
    group.finish();
}

criterion_group!(benches, derive);
criterion_main!(benches);
