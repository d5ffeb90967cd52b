//! The data directory is 0700 and the database (and its WAL files) 0600.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use psmonitor_store::Store;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn created_dir_is_0700_and_files_are_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("nested").join("psmonitor");
    let mut store = Store::open(&data).unwrap();
    store.create_account(&common::account(1)).unwrap();

    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("psmonitor.db")), 0o600);
    // WAL mode keeps these next to the database while a connection is open.
    for name in ["psmonitor.db-wal", "psmonitor.db-shm"] {
        let path = data.join(name);
        assert!(path.exists(), "{name} missing: is the store in WAL mode?");
        assert_eq!(mode(&path), 0o600, "{name}");
    }
}

#[test]
fn loose_database_file_is_tightened_to_0600() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Store::open(tmp.path()).unwrap());
    let db = tmp.path().join("psmonitor.db");
    fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();

    drop(Store::open(tmp.path()).unwrap());
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn existing_dir_mode_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::open(tmp.path()).unwrap());
    assert_eq!(mode(tmp.path()), 0o755);
    assert_eq!(mode(&tmp.path().join("psmonitor.db")), 0o600);
}
