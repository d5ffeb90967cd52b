//! Rows written by earlier builds (chunk layout version 1) are still read, and merging an hour
//! rewrites them in the current layout without losing a value.

mod common;

use common::query;
use psmonitor_history::fuzzing::{Chunk, encode_v1};
use psmonitor_history::{HISTORY_FILE_NAME, HistoryStore, Retention};

#[test]
fn old_rows_are_read_and_merged_into_the_new_layout() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_700_000_400; // 1_699_999_200 is an hour boundary: t0 is 20 minutes into it.
    {
        let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
        let mut v = psmonitor_core::series::SeriesValues::new();
        v.insert("cpu.usage".into(), 1.0);
        store.append(t0 - 1, v);
        store.flush().unwrap();
    }
    // Two old-layout rows of ten seconds each in the same hour, as an earlier build wrote them.
    let conn = rusqlite::Connection::open(dir.path().join(HISTORY_FILE_NAME)).unwrap();
    let id: i64 = conn
        .query_row("SELECT id FROM series WHERE name = 'cpu.usage'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut expected = vec![(t0 - 1, 1.0f64)];
    for part in 0..2 {
        let start = t0 + part * 10;
        let chunk = Chunk {
            ids: vec![id],
            times: (start..start + 10).collect(),
            values: (0..10).map(|i| (part * 10 + i) as f32 * 0.5).collect(),
        };
        for (t, v) in chunk.times.iter().zip(&chunk.values) {
            expected.push((*t, f64::from(*v)));
        }
        conn.execute(
            "INSERT INTO raw (start, end, data) VALUES (?1, ?2, ?3)",
            rusqlite::params![start, start + 9, encode_v1(&chunk, start)],
        )
        .unwrap();
    }
    drop(conn);
    let points = |store: &HistoryStore| -> Vec<(i64, f64)> {
        let data = store
            .query(&query(&["cpu.usage"], t0 - 10, t0 + 30, Some(1)), 1)
            .unwrap();
        data.times
            .iter()
            .zip(&data.series["cpu.usage"])
            .filter_map(|(t, v)| Some((*t, (*v)?)))
            .collect()
    };
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert_eq!(points(&store), expected, "old rows read as they are");
    // A sample an hour later finishes the hour: its three rows become one.
    let mut v = psmonitor_core::series::SeriesValues::new();
    v.insert("cpu.usage".into(), 2.0);
    store.append(t0 + 3_600, v);
    store.flush().unwrap();
    assert_eq!(points(&store), expected, "nothing lost in the merge");
    let conn = rusqlite::Connection::open(dir.path().join(HISTORY_FILE_NAME)).unwrap();
    let blobs: Vec<Vec<u8>> = conn
        .prepare("SELECT data FROM raw WHERE start < ?1 ORDER BY start")
        .unwrap()
        .query_map([t0 + 3_000], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(blobs.len(), 1, "one row for the finished hour");
    assert!(blobs[0].starts_with(&psmonitor_history::fuzzing::MAGIC));
}
