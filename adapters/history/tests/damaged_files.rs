//! A garbage, truncated or newer history file never stops the caller: damaged ones are moved
//! aside and a new file starts; a newer schema is refused and left untouched.

mod common;

use common::{query, sample};
use psmonitor_history::{HISTORY_FILE_NAME, HistoryError, HistoryStore, Retention, SCHEMA_VERSION};

fn assert_fresh_store_works(dir: &std::path::Path) {
    let (mut store, aside) = HistoryStore::open(dir, Retention::default(), 99).unwrap();
    assert!(aside.is_none(), "the new file opens cleanly");
    store.append(10, sample(10, 1));
    store.flush().unwrap();
    let data = store
        .query(&query(&["cpu.usage"], 10, 10, None), 1)
        .unwrap();
    assert!(data.series["cpu.usage"][0].is_some());
}

#[test]
fn a_garbage_file_is_moved_aside_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(HISTORY_FILE_NAME);
    let garbage = b"this is not an sqlite database at all, just some bytes...".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let (_, aside) = HistoryStore::open(dir.path(), Retention::default(), 1234).unwrap();
    let aside = aside.expect("moved aside");
    assert_eq!(aside, dir.path().join("history.db.corrupt-1234"));
    assert_eq!(std::fs::read(&aside).unwrap(), garbage, "kept as it was");
    std::fs::remove_file(dir.path().join(HISTORY_FILE_NAME)).unwrap();
    assert_fresh_store_works(dir.path());
}

#[test]
fn a_truncated_file_is_moved_aside_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
        for t in 0..20_000 {
            store.append(t, sample(t, 8));
            if store.pending_len() >= 10 {
                store.flush().unwrap();
            }
        }
        store.flush().unwrap();
    }
    // Fold the WAL into the file, then cut the file in half.
    let path = dir.path().join(HISTORY_FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > 100_000, "{len}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (store, aside) = HistoryStore::open(dir.path(), Retention::default(), 77).unwrap();
    assert_eq!(aside, Some(dir.path().join("history.db.corrupt-77")));
    assert!(store.series().unwrap().is_empty(), "a new, empty file");
    drop(store);
    std::fs::remove_file(&path).unwrap();
    assert_fresh_store_works(dir.path());
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(HISTORY_FILE_NAME);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        conn.execute_batch("CREATE TABLE future (x)").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = HistoryStore::open(dir.path(), Retention::default(), 5).unwrap_err();
    assert!(matches!(err, HistoryError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1));
    let message = err.to_string();
    assert!(
        message.contains("newer") && message.contains("upgrade psmonitor"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("history.db.corrupt-5").exists());
}

#[test]
fn a_file_damaged_while_running_is_moved_aside_by_the_writer() {
    use psmonitor_history::HistoryWriter;

    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    for t in 0..30 {
        store.append(t, sample(t, 2));
    }
    store.flush().unwrap();
    let writer = HistoryWriter::start(store, 1).unwrap();
    // Fold the WAL in, then overwrite the whole file with garbage behind the writer's back.
    let path = dir.path().join(HISTORY_FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, vec![0x5a; len]).unwrap();
    // The next batch finds the damage, moves the file aside and goes on in a new one.
    for t in 100..130 {
        writer.append(t, sample(t, 2));
    }
    drop(writer);
    let moved = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            n.starts_with("history.db.corrupt-") && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .count();
    assert_eq!(moved, 1);
    let (store, aside) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert!(aside.is_none(), "the new file is healthy");
    let data = store
        .query(&query(&["cpu.usage"], 120, 129, None), 1)
        .unwrap();
    assert!(
        data.series["cpu.usage"].iter().all(Option::is_some),
        "{data:?}"
    );
}
