//! Points survive a restart, the rollup tier answers a week, unknown series are refused, and
//! writes are batched.

mod common;

use std::time::Duration;

use common::{query, sample, value};
use psmonitor_core::history::HistoryQueryError;
use psmonitor_history::{HistoryStore, HistoryWriter, QueryError, Retention};

const T0: i64 = 1_700_000_000;

#[test]
fn samples_written_come_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut store, aside) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
        assert!(aside.is_none());
        for t in T0..T0 + 30 {
            store.append(t, sample(t, 3));
        }
        store.flush().unwrap();
    }
    let (store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert_eq!(
        store.series().unwrap(),
        ["cpu.usage", "cpu.usage@0", "cpu.usage@1"]
    );
    let data = store
        .query(&query(&["cpu.usage@1", "cpu.usage"], T0, T0 + 29, None), 1)
        .unwrap();
    assert_eq!(data.step, 1);
    assert_eq!(data.times.len(), 30);
    for (i, t) in (T0..T0 + 30).enumerate() {
        assert_eq!(data.times[i], t);
        assert_eq!(data.series["cpu.usage"][i], Some(value(t, 0)));
        assert_eq!(data.series["cpu.usage@1"][i], Some(value(t, 2)));
    }
    let meta = std::fs::metadata(store.path()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[test]
fn unflushed_samples_answer_and_gaps_are_null() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    store.append(T0, sample(T0, 1));
    store.append(T0 + 5, sample(T0 + 5, 1));
    let data = store
        .query(&query(&["cpu.usage"], T0, T0 + 5, None), 1)
        .unwrap();
    let expect = [
        Some(value(T0, 0)),
        None,
        None,
        None,
        None,
        Some(value(T0 + 5, 0)),
    ];
    assert_eq!(data.series["cpu.usage"], expect);
    let err = store
        .query(&query(&["cpu.usage@7"], T0, T0 + 5, None), 1)
        .unwrap_err();
    assert!(matches!(
        err,
        QueryError::Invalid(HistoryQueryError::UnknownSeries(ref s)) if s == "cpu.usage@7"
    ));
}

#[test]
fn the_rollup_tier_answers_a_seven_day_query() {
    let dir = tempfile::tempdir().unwrap();
    let retention = Retention {
        raw: Duration::from_secs(6 * 3_600),
        rollup: Duration::from_secs(30 * 86_400),
    };
    let (mut store, _) = HistoryStore::open(dir.path(), retention, 0).unwrap();
    // Eight days of one sample every 20 s, flushed like the writer would (every 10 samples).
    let end = T0 + 8 * 86_400;
    let mut t = T0;
    while t < end {
        store.append(t, sample(t, 2));
        if store.pending_len() >= 10 {
            store.flush().unwrap();
        }
        t += 20;
    }
    store.flush().unwrap();
    let since = end - 7 * 86_400;
    let data = store
        .query(&query(&["cpu.usage"], since, end, None), 1)
        .unwrap();
    assert_eq!(data.step % 60, 0, "rollup steps are whole minutes");
    assert!(data.times.len() <= 2_000, "{}", data.times.len());
    let values = &data.series["cpu.usage"];
    let filled = values.iter().filter(|v| v.is_some()).count();
    assert!(filled + 2 >= values.len(), "{filled} of {}", values.len());
    // A bucket's value is the mean of the samples in it (per-minute averages of a sawtooth).
    let i = values.len() / 2;
    let (lo, hi) = (data.times[i], data.times[i] + i64::from(data.step));
    let samples: Vec<f64> = (lo..hi)
        .filter(|t| (t - T0) % 20 == 0)
        .map(|t| value(t, 0))
        .collect();
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    assert!(
        (values[i].unwrap() - mean).abs() < 0.01,
        "{:?} vs {mean}",
        values[i]
    );
    // The raw tier no longer has the first days.
    let old = store
        .query(&query(&["cpu.usage"], T0, T0 + 50, Some(1)), 1)
        .unwrap();
    assert_eq!(
        old.step, 60,
        "older than raw retention: answered from minutes"
    );
}

#[test]
fn the_writer_batches_at_most_one_transaction_per_ten_seconds_of_samples() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let path = store.path().to_owned();
    let writer = HistoryWriter::start(store, 1).unwrap();
    for t in T0..T0 + 100 {
        writer.append(t, sample(t, 2));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    writer.query(
        query(&["cpu.usage"], T0, T0 + 99, None),
        Box::new(move |answer| tx.send(answer).unwrap()),
    );
    let data = rx.recv().unwrap().unwrap();
    assert!(data.series["cpu.usage"].iter().all(Option::is_some));
    drop(writer);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let chunks: i64 = conn
        .query_row("SELECT count(*) FROM raw", [], |r| r.get(0))
        .unwrap();
    assert!(
        (9..=10).contains(&chunks),
        "{chunks} chunks for 100 s of samples"
    );
}

#[test]
fn an_empty_store_answers_series_and_refuses_queries_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert!(store.series().unwrap().is_empty());
    let err = store
        .query(&query(&["cpu.usage"], 0, 10, None), 1)
        .unwrap_err();
    assert!(matches!(
        err,
        QueryError::Invalid(HistoryQueryError::UnknownSeries(_))
    ));
}
