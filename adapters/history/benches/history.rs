//! History store costs: one 10-second batch written (one transaction), and `GET /history` of one
//! series over 24 h (the raw tier at 1 s, answered at the default 2,000-point step).
//!
//! `cargo bench -p psmonitor-history`

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use psmonitor_core::history::HistoryQuery;
use psmonitor_core::series::SeriesValues;
use psmonitor_history::{HistoryStore, Retention};

const SERIES: usize = 40;

fn sample(t: i64) -> SeriesValues {
    (0..SERIES)
        .map(|i| {
            (
                format!("cpu.usage@{i}"),
                ((t * 7 + i as i64) % 1000) as f64 / 10.0,
            )
        })
        .collect()
}

fn batch_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let mut t = 1_700_000_000;
    c.bench_function("history_batch_write_10s_40_series", |b| {
        b.iter_batched(
            || (),
            |()| {
                for _ in 0..10 {
                    store.append(t, sample(t));
                    t += 1;
                }
                store.flush().unwrap();
            },
            BatchSize::SmallInput,
        );
    });
}

fn query_24h(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let start = 1_700_000_000;
    for t in start..start + 86_400 {
        store.append(t, sample(t));
        if store.pending_len() >= 10 {
            store.flush().unwrap();
        }
    }
    store.flush().unwrap();
    let query = HistoryQuery {
        series: vec!["cpu.usage@3".into()],
        since: start,
        until: start + 86_399,
        step: None,
    };
    let mut group = c.benchmark_group("history_query");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("one_series_24h", |b| {
        b.iter(|| store.query(&query, 1).unwrap());
    });
    group.finish();
}

criterion_group!(benches, batch_write, query_24h);
criterion_main!(benches);
