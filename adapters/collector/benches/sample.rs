//! One `HostCollector::sample()` of the live host (after a first sample has filled its caches),
//! and one `SysinfoCollector::sample()` beside it.
//!
//! `cargo bench -p psmonitor-collector --bench sample`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psmonitor_collector::{HostCollector, Sampler, SysinfoCollector};

fn sample(c: &mut Criterion) {
    let mut collector = HostCollector::new().expect("collector");
    let first = collector.sample();
    println!(
        "live host: {} processes, {} disks, {} sensors",
        first.processes.len(),
        first.disks.len(),
        first.cpu.sensors.len()
    );
    let mut group = c.benchmark_group("host_collector");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("sample", |b| b.iter(|| collector.sample()));
    group.finish();

    let mut sysinfo = SysinfoCollector::new().expect("sysinfo collector");
    let first = sysinfo.sample();
    println!("sysinfo: {} processes", first.processes.len());
    let mut group = c.benchmark_group("sysinfo_collector");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("sample", |b| b.iter(|| sysinfo.sample()));
    group.finish();
}

criterion_group!(benches, sample);
criterion_main!(benches);
