//! The data directory is 0700 and the database (and its WAL files) 0600.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use psmonitor_store::{Store, StoreError};

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
fn an_existing_loose_dir_is_tightened_to_0700() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
    drop(Store::open(tmp.path()).unwrap());
    assert_eq!(mode(tmp.path()), 0o700);
    assert_eq!(mode(&tmp.path().join("psmonitor.db")), 0o600);
}

fn refused(dir: &Path) -> String {
    match Store::open(dir) {
        Err(e @ StoreError::UnsafeDataDir { .. }) => e.to_string(),
        other => panic!("{} should be refused, got {other:?}", dir.display()),
    }
}

#[test]
fn a_dir_owned_by_someone_else_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let theirs = tmp.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    fs::set_permissions(&theirs, fs::Permissions::from_mode(0o777)).unwrap();
    // The tests run as root (CI does), so the directory can be given to `nobody`.
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let message = refused(&theirs);
    assert!(
        message.contains("owned by uid 65534") && message.contains("--data-dir"),
        "{message}"
    );
    assert_eq!(mode(&theirs), 0o777);
    assert!(!theirs.join("psmonitor.db").exists());
}

#[test]
fn a_dir_reached_through_a_world_writable_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open");
    fs::create_dir(&open).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
    // Inside it, created or existing:
    let message = refused(&open.join("psmonitor"));
    assert!(message.contains("others can write to"), "{message}");
    assert!(!open.join("psmonitor").exists());
    // Through a symlink that points into it:
    let link = tmp.path().join("data");
    std::os::unix::fs::symlink(open.join("psmonitor"), &link).unwrap();
    fs::create_dir(open.join("psmonitor")).unwrap();
    let message = refused(&link);
    assert!(message.contains("others can write to"), "{message}");
    assert!(!open.join("psmonitor").join("psmonitor.db").exists());
}

#[test]
fn a_dir_in_a_group_writable_parent_is_refused_and_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let team = tmp.path().join("team");
    fs::create_dir(&team).unwrap();
    fs::set_permissions(&team, fs::Permissions::from_mode(0o775)).unwrap();
    // Missing or existing below it, the data dir is refused and nothing is written.
    let data = team.join("psmonitor");
    let message = refused(&data);
    assert!(
        message.contains("its group can write to")
            && message.contains("775")
            && message.contains(&format!("chmod g-w {}", team.display()))
            && message.contains("--data-dir"),
        "{message}"
    );
    assert!(!data.exists());
    fs::create_dir(&data).unwrap();
    refused(&data);
    assert!(!data.join("psmonitor.db").exists());
    // Fixed as told, it is accepted; a sticky group-writable parent is fine as it is.
    fs::set_permissions(&team, fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::open(&data).unwrap());
    fs::set_permissions(&team, fs::Permissions::from_mode(0o1775)).unwrap();
    drop(Store::open(&data).unwrap());
}

#[test]
fn a_symlink_someone_else_put_in_a_sticky_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    // A sticky dir like /tmp: our own entries in it are fine...
    let own = shared.join("own");
    fs::create_dir(&own).unwrap();
    drop(Store::open(&own).unwrap());
    // ...but a symlink in it is refused even when it points somewhere safe.
    let link = shared.join("link");
    std::os::unix::fs::symlink(&mine, &link).unwrap();
    let message = refused(&link);
    assert!(message.contains("symlink"), "{message}");
    assert!(!mine.join("psmonitor.db").exists());
}
