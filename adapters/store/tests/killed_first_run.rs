//! A first run that dies before its transaction commits leaves no half account behind.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use psmonitor_store::Store;

const CHILD_DIR: &str = "PSMONITOR_STORE_TEST_CHILD_DIR";

/// Run as a child process by `first_run_killed_mid_transaction`: inserts the user row, then aborts.
#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_aborts_mid_transaction() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    drop(Store::open(&dir).unwrap());
    let conn = rusqlite::Connection::open(dir.join("psmonitor.db")).unwrap();
    // Tiny page cache, so the uncommitted insert spills into the WAL file before we die.
    conn.execute_batch("PRAGMA cache_size = 1; BEGIN IMMEDIATE;")
        .unwrap();
    let a = common::account(1);
    conn.execute(
        "INSERT INTO users (user_id, username, password_hash) VALUES (?1, ?2, ?3)",
        rusqlite::params![a.user_id, a.username, a.password_hash],
    )
    .unwrap();
    // More pages than the cache holds: forces uncommitted frames out to the WAL.
    conn.execute(
        "INSERT INTO secrets (name, value) VALUES ('filler', zeroblob(1000000))",
        [],
    )
    .unwrap();
    std::process::abort(); // no rollback, no close: like a kill -9
}

#[test]
fn first_run_killed_mid_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_aborts_mid_transaction",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    // SIGABRT, not a panic (exit 101): the child got as far as the uncommitted insert.
    assert_eq!(
        status.signal(),
        Some(6),
        "the child should have aborted: {status}"
    );
    let wal = std::fs::metadata(dir.path().join("psmonitor.db-wal")).unwrap();
    assert!(
        wal.len() > 0,
        "the crash should leave uncommitted frames in the wal"
    );

    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.account().unwrap(),
        None,
        "a half account survived the crash"
    );
    store.create_account(&common::account(2)).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.account().unwrap(), Some(common::account(2)));
}

#[test]
fn rolled_back_first_run_leaves_no_account() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    {
        let mut conn = rusqlite::Connection::open(dir.path().join("psmonitor.db")).unwrap();
        let tx = conn.transaction().unwrap();
        let a = common::account(1);
        tx.execute(
            "INSERT INTO users (user_id, username, password_hash) VALUES (?1, ?2, ?3)",
            rusqlite::params![a.user_id, a.username, a.password_hash],
        )
        .unwrap();
        // Dropped without commit.
    }
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.account().unwrap(), None);
    store.create_account(&common::account(2)).unwrap();
    assert_eq!(store.account().unwrap(), Some(common::account(2)));
}
