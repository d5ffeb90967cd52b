//! `Snapshot::derive` (derive + encode the three bodies) for recorded hosts.
//!
//! `cargo bench -p psmonitor-core --bench encode`

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psmonitor_core::model::HostRecording;
use psmonitor_core::snapshot::Snapshot;

const HOSTS: [&str; 3] = ["vm-no-sensors", "desktop-intel-wifi", "many-processes"];

fn recording(name: &str) -> HostRecording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/hosts")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture parses")
}

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
        let frame = Snapshot::derive(prev, cur, elapsed).frame;
        println!(
            "{name}: {} processes, stream frame {} bytes",
            cur.processes.len(),
            frame.len()
        );
        group.bench_function(name, |b| {
            b.iter(|| Snapshot::derive(prev, cur, elapsed));
        });
    }
    group.finish();
}

criterion_group!(benches, derive);
criterion_main!(benches);
