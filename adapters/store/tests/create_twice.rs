//! There is one account: a second create fails and leaves the first intact.

mod common;

use std::convert::Infallible;

use psmonitor_store::{EnsureError, Ensured, Store, StoreError};

#[test]
fn second_create_is_account_exists_and_first_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.create_account(&common::account(1)).unwrap();
    let err = store.create_account(&common::account(2)).unwrap_err();
    assert!(matches!(err, StoreError::AccountExists), "{err}");
    assert_eq!(err.to_string(), "an account already exists");
    assert_eq!(store.account().unwrap(), Some(common::account(1)));
}

#[test]
fn ensure_creates_once_then_finds() {
    let dir = tempfile::tempdir().unwrap();
    let (_, first) =
        Store::open_or_init(dir.path(), || Ok::<_, Infallible>(common::account(5))).unwrap();
    assert_eq!(first, Ensured::Created(common::account(5)));
    assert!(first.created());

    let (_, again) = Store::open_or_init(dir.path(), || -> Result<_, Infallible> {
        panic!("make must not run when an account exists")
    })
    .unwrap();
    assert_eq!(again, Ensured::Existing(common::account(5)));
    assert!(!again.created());
}

#[test]
fn failing_make_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open_or_init(dir.path(), || Err(std::fmt::Error)).unwrap_err();
    assert!(matches!(err, EnsureError::Make(std::fmt::Error)), "{err}");
    assert_eq!(Store::open(dir.path()).unwrap().account().unwrap(), None);
}
