//! Process owners are named through NSS (so LDAP and SSSD users get names, not numbers), and each
//! uid is looked up once.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use psmonitor_collector::identity::{RETRY_UNKNOWN, UserNames, nss_name};

/// What a command prints, trimmed; panics if it fails.
fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A uid the user database has no entry for, as `getent` (exit 2: not found) confirms.
fn unused_uid() -> u32 {
    [4_000_000_000u32, 3_999_999_999, 2_999_999_999]
        .into_iter()
        .find(|uid| {
            let out = Command::new("getent")
                .args(["passwd", &uid.to_string()])
                .output()
                .unwrap();
            out.status.code() == Some(2)
        })
        .expect("an unused uid")
}

#[test]
fn uid_zero_is_root() {
    assert_eq!(nss_name(0).as_deref(), Some("root"));
    assert_eq!(UserNames::default().name(0), "root");
}

#[test]
fn the_current_uid_has_the_name_id_shows() {
    let uid: u32 = run("id", &["-u"]).parse().unwrap();
    let name = run("id", &["-un"]);
    assert_eq!(nss_name(uid).as_deref(), Some(name.as_str()));
    assert_eq!(UserNames::default().name(uid), name);
}

#[test]
fn an_unused_uid_shows_as_its_number() {
    let uid = unused_uid();
    assert_eq!(nss_name(uid), None);
    assert_eq!(UserNames::default().name(uid), uid.to_string());
}

/// A cache over a fake user database that records every uid it is asked about.
fn counting(names: &'static [(u32, &'static str)]) -> (UserNames, Arc<Mutex<Vec<u32>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let cache = UserNames::with_lookup(move |uid| {
        log.lock().unwrap().push(uid);
        names
            .iter()
            .find(|(u, _)| *u == uid)
            .map(|(_, n)| (*n).to_owned())
    });
    (cache, asked)
}

#[test]
fn each_uid_is_looked_up_once() {
    let (mut cache, asked) = counting(&[(0, "root"), (1000, "ldap-alice")]);
    let now = Instant::now();
    let shown: Vec<String> = [0, 1000, 0, 77, 1000, 77, 0]
        .into_iter()
        .map(|uid| cache.name_at(uid, now))
        .collect();
    assert_eq!(
        shown,
        [
            "root",
            "ldap-alice",
            "root",
            "77",
            "ldap-alice",
            "77",
            "root"
        ]
    );
    assert_eq!(*asked.lock().unwrap(), [0, 1000, 77]);
    // Through the clock-reading entry point too: known names are never asked for again.
    assert_eq!(cache.name(1000), "ldap-alice");
    assert_eq!(*asked.lock().unwrap(), [0, 1000, 77]);
}

#[test]
fn an_unnamed_uid_is_asked_again_only_after_the_retry_interval() {
    let (mut cache, asked) = counting(&[]);
    let start = Instant::now();
    assert_eq!(cache.name_at(77, start), "77");
    assert_eq!(
        cache.name_at(77, start + RETRY_UNKNOWN - Duration::from_secs(1)),
        "77"
    );
    assert_eq!(*asked.lock().unwrap(), [77], "not before the interval");
    assert_eq!(cache.name_at(77, start + RETRY_UNKNOWN), "77");
    assert_eq!(*asked.lock().unwrap(), [77, 77], "once it has passed");
}

#[test]
fn a_uid_named_on_a_retry_keeps_its_name() {
    let mut answers = vec![None, Some("new-user".to_owned())].into_iter();
    let mut cache = UserNames::with_lookup(move |_| answers.next().flatten());
    let start = Instant::now();
    assert_eq!(cache.name_at(5000, start), "5000");
    assert_eq!(cache.name_at(5000, start + RETRY_UNKNOWN), "new-user");
    // The lookup has no more answers: a second ask would show the number.
    assert_eq!(cache.name_at(5000, start + RETRY_UNKNOWN * 3), "new-user");
}
