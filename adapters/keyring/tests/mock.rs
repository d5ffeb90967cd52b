//! The password entry round-trips through the in-memory keyring.

use psmonitor_keyring::Keyring;

#[test]
fn missing_entry_is_none() {
    assert_eq!(Keyring::mock().password().unwrap(), None);
}

#[test]
fn stored_password_reads_back() {
    let keyring = Keyring::mock();
    keyring.store_password("correct horse").unwrap();
    let password = keyring.password().unwrap().unwrap();
    assert_eq!(password.as_str(), "correct horse");
}

#[test]
fn store_overwrites() {
    let keyring = Keyring::mock();
    keyring.store_password("first").unwrap();
    keyring.store_password("second").unwrap();
    assert_eq!(keyring.password().unwrap().unwrap().as_str(), "second");
}

#[test]
fn delete_removes_the_entry() {
    let keyring = Keyring::mock();
    assert!(!keyring.delete_password().unwrap());
    keyring.store_password("pw").unwrap();
    assert!(keyring.delete_password().unwrap());
    assert_eq!(keyring.password().unwrap(), None);
}

#[test]
fn mocks_are_independent() {
    let a = Keyring::mock();
    a.store_password("only in a").unwrap();
    assert_eq!(Keyring::mock().password().unwrap(), None);
}

#[test]
fn debug_never_shows_the_password() {
    let keyring = Keyring::mock();
    keyring.store_password("s3cret-pw").unwrap();
    assert!(!format!("{keyring:?}").contains("s3cret-pw"));
}

#[test]
fn other_entries_share_the_store_but_not_the_password() {
    let keyring = Keyring::mock();
    keyring.store_password("server").unwrap();
    let host = keyring.for_entry("PSMonitor Host", "PSMonitor@https://10.0.0.2:4500");
    assert_eq!(host.password().unwrap(), None);
    host.store_password("remote").unwrap();
    let again = keyring.for_entry("PSMonitor Host", "PSMonitor@https://10.0.0.2:4500");
    assert_eq!(
        again.password().unwrap().as_deref().map(String::as_str),
        Some("remote")
    );
    assert_eq!(
        keyring.password().unwrap().as_deref().map(String::as_str),
        Some("server")
    );
}

#[test]
fn each_data_dir_has_its_own_entry_apart_from_the_legacy_one() {
    let keyring = Keyring::mock();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    keyring.legacy().store_password("legacy").unwrap();
    keyring.for_data_dir(&a).store_password("server a").unwrap();
    keyring.for_data_dir(&b).store_password("server b").unwrap();
    let read = |k: Keyring| k.password().unwrap().map(|p| p.as_str().to_owned());
    assert_eq!(read(keyring.for_data_dir(&a)).as_deref(), Some("server a"));
    assert_eq!(read(keyring.for_data_dir(&b)).as_deref(), Some("server b"));
    assert_eq!(read(keyring.legacy()).as_deref(), Some("legacy"));
    // The same directory by another path (relative, through a symlink) is the same entry.
    let link = tmp.path().join("link-to-a");
    std::os::unix::fs::symlink(&a, &link).unwrap();
    assert_eq!(
        read(keyring.for_data_dir(&link)).as_deref(),
        Some("server a")
    );
    assert_eq!(
        keyring.for_data_dir(&a).entry(),
        (
            "PSMonitor Auth",
            format!("PSMonitor@{}", a.canonicalize().unwrap().display()).as_str()
        )
    );
}

#[test]
fn a_server_url_entry_is_the_desktop_apps_host_entry() {
    let keyring = Keyring::mock();
    let url = keyring.for_server("http://127.0.0.1:4500", "PSMonitor");
    assert_eq!(
        url.entry(),
        ("PSMonitor Host", "PSMonitor@http://127.0.0.1:4500")
    );
    url.store_password("pw").unwrap();
    assert_eq!(keyring.legacy().password().unwrap(), None);
}
