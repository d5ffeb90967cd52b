//! The system keyring against a real Secret Service (GNOME Keyring on a private session bus):
//! store, read back, overwrite, delete; a locked keyring; the service gone before and during a
//! call; a service that does not answer. Each case is a distinct, typed outcome.
//!
//! Each case starts its own bus and daemon, then runs this binary again as a child pointed at
//! them (the bus address is process-wide), so it never touches the runner's own keyring. Without
//! `dbus-daemon` and `gnome-keyring-daemon` the cases skip with a loud line, or fail when
//! `PSMONITOR_REQUIRE_KEYRING=1` (CI).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::run_child;
use psmonitor_keyring::testing::{SecretService, missing};
use psmonitor_keyring::{Keyring, KeyringError, SERVICE, USER};
use rustix::process::{Pid, Signal, kill_process};
use secret_service::EncryptionType;
use secret_service::blocking::SecretService as Ss;

/// Set in the child: which case it runs.
const CHILD: &str = "PSMONITOR_KEYRING_TEST_CHILD";
/// Set in the child: the daemon's pid, for the cases that stop or kill it.
const DAEMON_PID: &str = "PSMONITOR_KEYRING_TEST_DAEMON";
/// Far longer than any answer takes: a case that ends near it has hung.
const PATIENT: Duration = Duration::from_secs(20);

/// Starts a keyring, or reports why not (skip, or fail under `PSMONITOR_REQUIRE_KEYRING=1`).
fn service() -> Option<SecretService> {
    match SecretService::start() {
        Ok(service) => Some(service),
        Err(why) => {
            missing("a private gnome-keyring", &why);
            None
        }
    }
}

fn child(name: &str, service: &SecretService) {
    let env = [
        (CHILD, "1".to_owned()),
        (DAEMON_PID, service.pid().to_string()),
    ];
    run_child(name, Some(&service.bus.address), &env);
}

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

fn daemon() -> Pid {
    let raw: i32 = std::env::var(DAEMON_PID).unwrap().parse().unwrap();
    Pid::from_raw(raw).unwrap()
}

/// The items the Secret Service holds under our service and user, read without our crate.
fn items_in_service() -> Vec<String> {
    let ss = Ss::connect(EncryptionType::Dh).unwrap();
    let found = ss
        .search_items(HashMap::from([("service", SERVICE), ("username", USER)]))
        .unwrap();
    assert!(
        found.locked.is_empty(),
        "locked items: {}",
        found.locked.len()
    );
    found
        .unlocked
        .iter()
        .map(|item| String::from_utf8(item.get_secret().unwrap()).unwrap())
        .collect()
}

#[test]
fn store_read_overwrite_delete() {
    if let Some(service) = service() {
        child("child_round_trip", &service);
    }
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_round_trip() {
    if !in_child() {
        return;
    }
    let keyring = Keyring::system_with_timeout(PATIENT);
    assert_eq!(keyring.password().unwrap(), None);
    assert!(!keyring.delete_password().unwrap());

    keyring.store_password("first pw").unwrap();
    assert_eq!(keyring.password().unwrap().unwrap().as_str(), "first pw");
    // Where the original PSMonitor (Python keyring) looks for it: service and username attributes.
    assert_eq!(items_in_service(), ["first pw"]);

    // A new value per call: nothing is cached between calls.
    let again = Keyring::system_with_timeout(PATIENT);
    again.store_password("second pw").unwrap();
    assert_eq!(keyring.password().unwrap().unwrap().as_str(), "second pw");
    assert_eq!(items_in_service(), ["second pw"], "overwritten, not added");

    assert!(keyring.delete_password().unwrap());
    assert_eq!(keyring.password().unwrap(), None);
    assert!(items_in_service().is_empty());
    assert!(!keyring.delete_password().unwrap());
}

#[test]
fn locked_collection_is_locked_not_missing() {
    if let Some(service) = service() {
        child("child_locked_collection", &service);
    }
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_locked_collection() {
    if !in_child() {
        return;
    }
    let keyring = Keyring::system_with_timeout(PATIENT);
    keyring.store_password("kept under lock").unwrap();
    let ss = Ss::connect(EncryptionType::Dh).unwrap();
    ss.get_default_collection().unwrap().lock().unwrap();
    assert!(ss.get_default_collection().unwrap().is_locked().unwrap());
    expect_locked(&keyring);
}

#[test]
fn keyring_left_locked_at_login_is_locked() {
    let Some(mut service) = service() else {
        return;
    };
    child("child_store_one", &service);
    // Start again without the password: the login keyring on disk stays locked, and with no
    // display the unlock prompt fails at once.
    service.restart(false).unwrap();
    child("child_locked_at_login", &service);
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_store_one() {
    if !in_child() {
        return;
    }
    Keyring::system_with_timeout(PATIENT)
        .store_password("from the last session")
        .unwrap();
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_locked_at_login() {
    if !in_child() {
        return;
    }
    expect_locked(&Keyring::system_with_timeout(PATIENT));
}

/// Every operation says `Locked`, quickly, and the message never shows the stored password.
fn expect_locked(keyring: &Keyring) {
    let started = Instant::now();
    let err = keyring.password().unwrap_err();
    eprintln!("password(): {err}");
    assert!(matches!(err, KeyringError::Locked(_)), "{err:?}");
    assert!(err.to_string().starts_with("keyring locked: "), "{err}");
    let err = keyring.store_password("not while locked").unwrap_err();
    assert!(matches!(err, KeyringError::Locked(_)), "{err:?}");
    let err = keyring.delete_password().unwrap_err();
    assert!(matches!(err, KeyringError::Locked(_)), "{err:?}");
    assert!(started.elapsed() < PATIENT, "{:?}", started.elapsed());
}

#[test]
fn service_gone_before_the_call_is_unavailable() {
    let Some(mut service) = service() else {
        return;
    };
    service.kill();
    let env = [(CHILD, "1".to_owned())];
    run_child("child_service_gone", Some(&service.bus.address), &env);
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_service_gone() {
    if !in_child() {
        return;
    }
    let keyring = Keyring::system_with_timeout(PATIENT);
    let started = Instant::now();
    for err in [
        keyring.password().unwrap_err(),
        keyring.store_password("nowhere to go").unwrap_err(),
        keyring.delete_password().unwrap_err(),
    ] {
        eprintln!("{err}");
        assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
    }
    assert!(started.elapsed() < PATIENT, "{:?}", started.elapsed());
}

#[test]
fn service_killed_mid_call_is_unavailable() {
    if let Some(service) = service() {
        child("child_killed_mid_call", &service);
    }
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_killed_mid_call() {
    if !in_child() {
        return;
    }
    Keyring::system_with_timeout(PATIENT)
        .store_password("about to vanish")
        .unwrap();
    // Stopped, the daemon holds every call; killed, the bus answers them with an error. Whether
    // the kill lands before or during the call, the answer must be the same.
    kill_process(daemon(), Signal::STOP).unwrap();
    let call = std::thread::spawn(|| {
        let started = Instant::now();
        let result = Keyring::system_with_timeout(PATIENT).password();
        (result, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    kill_process(daemon(), Signal::KILL).unwrap();
    let (result, took) = call.join().unwrap();
    let err = result.unwrap_err();
    eprintln!("password() after {took:?}: {err}");
    assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
    assert!(took < PATIENT, "{took:?}");
}

#[test]
fn service_that_does_not_answer_times_out() {
    if let Some(service) = service() {
        child("child_stopped_service", &service);
    }
}

#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_stopped_service() {
    if !in_child() {
        return;
    }
    kill_process(daemon(), Signal::STOP).unwrap();
    let timeout = Duration::from_millis(500);
    let err = Keyring::system_with_timeout(timeout)
        .password()
        .unwrap_err();
    kill_process(daemon(), Signal::CONT).unwrap();
    eprintln!("password(): {err}");
    assert!(
        matches!(err, KeyringError::TimedOut(t) if t == timeout),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "keyring timed out: the secret service did not answer within 0.5 s"
    );
}
