//! Retention bounds the file, and a stored value costs about 4 bytes. Replayed faster than real
//! time with a simulated clock.

mod common;

use std::time::Duration;

use common::sample;
use psmonitor_history::{HISTORY_FILE_NAME, HistoryStore, Retention};

/// The database and its WAL, after folding the WAL in.
fn size_on_disk(dir: &std::path::Path) -> u64 {
    let path = dir.join(HISTORY_FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let wal = dir.join(format!("{HISTORY_FILE_NAME}-wal"));
    std::fs::metadata(&path).unwrap().len() + std::fs::metadata(wal).map_or(0, |m| m.len())
}

/// Writes `secs` of 1 s samples of `series` series from `from`, in 10-sample batches.
fn replay(store: &mut HistoryStore, from: i64, secs: i64, series: usize) {
    for t in from..from + secs {
        store.append(t, sample(t, series));
        if store.pending_len() >= 10 {
            store.flush().unwrap();
        }
    }
    store.flush().unwrap();
}

#[test]
fn retention_keeps_the_file_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let retention = Retention {
        raw: Duration::from_secs(3_600),
        rollup: Duration::from_secs(4 * 3_600),
    };
    let (mut store, _) = HistoryStore::open(dir.path(), retention, 0).unwrap();
    // Fill both tiers past their retention, then keep going: the size must stop growing.
    replay(&mut store, 0, 5 * 3_600, 10);
    let full = size_on_disk(dir.path());
    replay(&mut store, 5 * 3_600, 5 * 3_600, 10);
    let later = size_on_disk(dir.path());
    assert!(
        later <= full + full / 10,
        "grew from {full} to {later} bytes"
    );
    let conn = rusqlite::Connection::open(dir.path().join(HISTORY_FILE_NAME)).unwrap();
    let oldest_raw: i64 = conn
        .query_row("SELECT min(end) FROM raw", [], |r| r.get(0))
        .unwrap();
    assert!(oldest_raw >= 10 * 3_600 - 1 - 3_600, "{oldest_raw}");
    let oldest_minute: i64 = conn
        .query_row("SELECT min(end) FROM rollup", [], |r| r.get(0))
        .unwrap();
    assert!(
        oldest_minute >= 10 * 3_600 - 60 - 4 * 3_600,
        "{oldest_minute}"
    );
}

#[test]
fn one_hour_at_one_second_costs_about_four_bytes_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let series = 40;
    replay(&mut store, 1_700_000_000, 3_600, series);
    let bytes = size_on_disk(dir.path());
    // Raw values plus the minute tier's three per series per minute.
    let values = 3_600 * series as u64 + 60 * 3 * series as u64;
    let per_value = bytes as f64 / values as f64;
    println!("history: {bytes} bytes for {values} values: {per_value:.2} bytes/value");
    assert!(per_value < 6.0, "{per_value:.2} bytes per value");
}

/// Bytes on disk per stored value (both tiers, WAL folded in) after `hours` of the series of a
/// real host at 1 s: 5 minutes recorded on the build VM (`fixtures/history/live-vm-5min.json`)
/// replayed over and over, written in 10 s batches as the writer does. Also the blobs' own cost
/// per value of each tier.
fn real_host_cost(hours: i64) -> (f64, f64, f64) {
    use psmonitor_core::model::HostRecording;
    use psmonitor_core::series::series_values;
    use psmonitor_core::snapshot::Derived;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/history/live-vm-5min.json");
    let rec: HostRecording = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ticks: Vec<_> = rec
        .readings
        .windows(2)
        .map(|w| series_values(&Derived::new(&w[0], &w[1], Duration::from_secs(1)), &w[1]))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let t0 = 1_700_000_000;
    let secs = hours * 3_600;
    for (i, t) in (t0..t0 + secs).enumerate() {
        store.append(t, ticks[i % ticks.len()].clone());
        if store.pending_span() >= 10 {
            store.flush().unwrap();
        }
    }
    store.flush().unwrap();
    let series = ticks[0].len() as i64;
    let minutes = secs / 60;
    let (raw_values, rollup_values) = (secs * series, minutes * 3 * series);
    let bytes = size_on_disk(dir.path());
    let per_value = bytes as f64 / (raw_values + rollup_values) as f64;
    let conn = rusqlite::Connection::open(dir.path().join(HISTORY_FILE_NAME)).unwrap();
    let blob = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT sum(length(data)) FROM {table}"), [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let (raw, rollup) = (
        blob("raw") as f64 / raw_values as f64,
        blob("rollup") as f64 / rollup_values as f64,
    );
    println!(
        "real host, {hours} h: {series} series, {bytes} bytes for {} values: {per_value:.3} \
         bytes/value (blobs: raw {raw:.3}, rollup {rollup:.3} bytes/value)",
        raw_values + rollup_values
    );
    (per_value, raw, rollup)
}

/// The steady state of the raw tier (its whole 24 h retention; 10 s in a debug build): the
/// figure of BENCHMARKS.md.
#[test]
fn a_day_of_a_real_host_costs_under_0_7_bytes_a_value() {
    let (per_value, _, _) = real_host_cost(24);
    assert!(per_value <= 0.7, "{per_value:.3} bytes per value");
}
