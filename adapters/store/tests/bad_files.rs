//! Files and directories we cannot use give a clear error and are left as they were.

mod common;

use std::fs;

use psmonitor_store::{Store, StoreError};

#[test]
fn garbage_file_is_not_a_database_and_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psmonitor.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(&db, &garbage).unwrap();

    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&db.display().to_string()), "{msg}");
    assert!(msg.contains("not a psmonitor database"), "{msg}");
    assert_eq!(fs::read(&db).unwrap(), garbage);
}

#[test]
fn text_file_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psmonitor.db");
    fs::write(&db, "user=root\npassword=hunter2\n").unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert_eq!(
        fs::read_to_string(&db).unwrap(),
        "user=root\npassword=hunter2\n"
    );
}

#[test]
fn newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.create_account(&common::account(1)).unwrap();
    drop(store);
    let db = dir.path().join("psmonitor.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);

    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 99,
                supported: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade psmonitor"), "{err}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

#[test]
fn uncreatable_dir_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let data = file.join("data");

    let err = Store::open(&data).unwrap_err();
    assert!(
        matches!(&err, StoreError::CreateDir { path, .. } if *path == data),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with("cannot create data directory"), "{msg}");
    assert!(msg.contains(&data.display().to_string()), "{msg}");
}

#[test]
fn directory_in_place_of_the_database_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("psmonitor.db")).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::File { .. }), "{err:?}");
}
