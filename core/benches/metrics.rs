//! `/metrics` encoding (text 0.0.4) for recorded hosts, and the body's size.
//!
//! `cargo bench -p psmonitor-core --bench metrics`

mod common;

use common::recording;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psmonitor_core::metrics::{MetricsFormat, ServerStats, encode};

const HOSTS: [&str; 4] = [
    "vm-no-sensors",
    "desktop-intel-wifi",
    "many-processes",
    "real-debian-vm",
];

fn metrics(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics_encode");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let stats = ServerStats::default();
    for name in HOSTS {
        let rec = recording(name);
        let cur = &rec.readings[1];
        let body = encode(MetricsFormat::Text, cur, 1_700_000_000, &stats);
        println!("{name}: /metrics body {} bytes", body.len());
        group.bench_function(name, |b| {
            b.iter(|| encode(MetricsFormat::Text, cur, 1_700_000_000, &stats));
        });
    }
    group.finish();
}

criterion_group!(benches, metrics);
criterion_main!(benches);
