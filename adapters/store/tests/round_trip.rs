//! An account written to a real SQLite file reads back the same, also after reopening.

mod common;

use psmonitor_store::{Store, StoreError};

#[test]
fn new_store_has_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.account().unwrap(), None);
    assert_eq!(store.path(), dir.path().join("psmonitor.db"));
}

#[test]
fn created_account_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.create_account(&common::account(1)).unwrap();
    assert_eq!(store.account().unwrap(), Some(common::account(1)));
}

#[test]
fn account_and_secret_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path()).unwrap();
        store.create_account(&common::account(7)).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let account = store.account().unwrap().unwrap();
    assert_eq!(account.user_id, common::account(7).user_id);
    assert_eq!(account.jwt_secret, common::account(7).jwt_secret);
    assert_eq!(account, common::account(7));
}

#[test]
fn password_reset_keeps_user_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let first = common::account(2);
    store.create_account(&first).unwrap();
    store
        .set_password_hash(&first.user_id, "$argon2id$v=19$new")
        .unwrap();
    drop(store);

    let account = Store::open(dir.path()).unwrap().account().unwrap().unwrap();
    assert_eq!(account.password_hash, "$argon2id$v=19$new");
    assert_eq!(account.user_id, first.user_id);
    assert_eq!(account.jwt_secret, first.jwt_secret);
}

#[test]
fn password_reset_of_unknown_user_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.create_account(&common::account(3)).unwrap();
    let err = store
        .set_password_hash("nobody", "$argon2id$x")
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchUser { user_id } if user_id == "nobody"),
        "{err}"
    );
    assert_eq!(store.account().unwrap(), Some(common::account(3)));
}

#[test]
fn malformed_fields_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let mut bad = common::account(4);
    bad.password_hash = "plaintext".into();
    let err = store.create_account(&bad).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "password_hash"
            }
        ),
        "{err}"
    );
    let mut bad = common::account(4);
    bad.username = String::new();
    let err = store.create_account(&bad).unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { field: "username" }),
        "{err}"
    );
    assert_eq!(store.account().unwrap(), None);

    store.create_account(&common::account(4)).unwrap();
    let err = store
        .set_password_hash(&common::account(4).user_id, "")
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    assert_eq!(store.account().unwrap(), Some(common::account(4)));
}

#[test]
fn a_credentials_reset_replaces_hash_and_key_and_other_connections_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Store::open(dir.path()).unwrap();
    writer.create_account(&common::account(1)).unwrap();
    let watcher = Store::open(dir.path()).unwrap();
    let before = watcher.data_version().unwrap();
    assert_eq!(
        watcher.data_version().unwrap(),
        before,
        "nothing changed yet"
    );
    let user_id = common::account(1).user_id;
    let key = psmonitor_core::auth::JwtSecret([42; 32]);
    let token = psmonitor_core::auth::api_token::ApiToken {
        name: "grafana".into(),
        scope: psmonitor_core::auth::api_token::TokenScope::Read,
        hash: [1; 32],
    };
    writer.create_token(&token, 0).unwrap();
    let kept = writer
        .reset_credentials(&user_id, "$argon2id$new", &key, false)
        .unwrap();
    assert_eq!(kept, 0, "a plain reset revokes no api token");
    assert_eq!(watcher.tokens().unwrap().len(), 1);
    assert_ne!(watcher.data_version().unwrap(), before);
    let account = watcher.account().unwrap().unwrap();
    assert_eq!(account.password_hash, "$argon2id$new");
    assert_eq!(account.jwt_secret, key);
    assert_eq!(account.user_id, user_id);
    let err = writer.reset_credentials("nobody", "$argon2id$x", &key, true);
    assert!(matches!(err, Err(StoreError::NoSuchUser { .. })), "{err:?}");
    assert_eq!(
        watcher.tokens().unwrap().len(),
        1,
        "a reset that failed revoked nothing"
    );
    let revoked = writer
        .reset_credentials(&user_id, "$argon2id$newer", &key, true)
        .unwrap();
    assert_eq!(revoked, 1);
    assert!(watcher.tokens().unwrap().is_empty());
    assert_eq!(
        watcher.account().unwrap().unwrap().password_hash,
        "$argon2id$newer"
    );
}
