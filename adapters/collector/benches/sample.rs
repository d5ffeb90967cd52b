//! One `HostCollector::sample()` of the live host (after a first sample has filled its caches),
//! one `SysinfoCollector::sample()` beside it, and the node_exporter-only part of a sample
//! (`NodeSources::read`, its slow sources re-read every 10th call as in the collector).
//!
//! `cargo bench -p psmonitor-collector --bench sample`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psmonitor_collector::node::NodeSources;
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

    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let freqs = vec![None; first.cpu.cores.len()];
    let mut node = NodeSources::new();
    let mut group = c.benchmark_group("node_sources");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("read", |b| {
        b.iter(|| node.read(&stat, &meminfo, &freqs));
    });
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
