//! With no Secret Service to talk to, the system keyring says `Unavailable` quickly, and with
//! one that never answers `TimedOut`; it never hangs.
//!
//! Each case runs this test binary again as a child with a controlled D-Bus environment, so the
//! result does not depend on (and never touches) the keyring of whoever runs the tests.

mod common;

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use common::run_child;

use psmonitor_keyring::testing::{PrivateBus, missing};
use psmonitor_keyring::{Keyring, KeyringError};

const CHILD: &str = "PSMONITOR_KEYRING_TEST_CHILD";

/// Run as a child by the tests below: every call must be `Unavailable` (`TimedOut` on the silent
/// bus) within a few seconds.
#[test]
#[ignore = "helper: runs only as a child process of another test"]
fn child_expects_unavailable() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let silent_bus = std::env::var_os(CHILD).is_some_and(|v| v == "silent");
    let keyring = if silent_bus {
        Keyring::system_with_timeout(Duration::from_millis(500))
    } else {
        Keyring::system()
    };
    let started = Instant::now();
    let err = keyring.password().unwrap_err();
    eprintln!("password(): {err}");
    if silent_bus {
        assert!(
            matches!(err, KeyringError::TimedOut(t) if t == Duration::from_millis(500)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "keyring timed out: the secret service did not answer within 0.5 s"
        );
    } else {
        assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("keyring unavailable: "),
            "{err}"
        );
    }
    let err = keyring.store_password("never stored").unwrap_err();
    if silent_bus {
        assert!(matches!(err, KeyringError::TimedOut(_)), "{err:?}");
    } else {
        assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Runs the child case with `DBUS_SESSION_BUS_ADDRESS` set to `bus` (or unset) and a private runtime dir.
fn child(mode: &str, bus: Option<&str>) {
    run_child(
        "child_expects_unavailable",
        bus,
        &[(CHILD, mode.to_owned())],
    );
}

#[test]
fn no_dbus_session_is_unavailable() {
    child("plain", None);
}

#[test]
fn dbus_session_without_secret_service_is_unavailable() {
    // Skips loudly without dbus-daemon, and fails then under PSMONITOR_REQUIRE_KEYRING=1 (CI).
    match PrivateBus::start() {
        Ok(bus) => child("plain", Some(&bus.address)),
        Err(why) => missing("a private dbus-daemon", &why),
    }
}

#[test]
fn silent_bus_times_out() {
    // A socket that accepts connections and never says a word: the D-Bus handshake hangs.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent-bus");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    child("silent", Some(&format!("unix:path={}", path.display())));
}
