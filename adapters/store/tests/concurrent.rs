//! Two stores on the same directory (server and `credentials reset`) work side by side (WAL).

mod common;

use psmonitor_store::{Store, StoreError};

#[test]
fn second_store_sees_the_first_ones_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Store::open(dir.path()).unwrap();
    let mut b = Store::open(dir.path()).unwrap();
    assert_eq!(b.account().unwrap(), None);

    a.create_account(&common::account(1)).unwrap();
    assert_eq!(b.account().unwrap(), Some(common::account(1)));
    let err = b.create_account(&common::account(2)).unwrap_err();
    assert!(matches!(err, StoreError::AccountExists), "{err}");

    b.set_password_hash(&common::account(1).user_id, "$argon2id$reset")
        .unwrap();
    assert_eq!(
        a.account().unwrap().unwrap().password_hash,
        "$argon2id$reset"
    );
}

#[test]
fn two_threads_racing_a_first_run_make_one_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let handles: Vec<_> = (1..=4u8)
        .map(|n| {
            let path = path.clone();
            std::thread::spawn(move || {
                let (_, ensured) = Store::open_or_init(&path, || {
                    Ok::<_, std::convert::Infallible>(common::account(n))
                })
                .unwrap();
                ensured
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|e| e.created()).count(), 1);
    let winner = results
        .iter()
        .find(|e| e.created())
        .unwrap()
        .account()
        .clone();
    assert!(results.iter().all(|e| *e.account() == winner));
    assert_eq!(Store::open(&path).unwrap().account().unwrap(), Some(winner));
}
