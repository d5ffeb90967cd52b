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
