//! With no Secret Service to talk to, the system keyring says `Unavailable` quickly and never hangs.
//!
//! Each case runs this test binary again as a child with a controlled D-Bus environment, so the
//! result does not depend on (and never touches) the keyring of whoever runs the tests.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use psmonitor_keyring::{Keyring, KeyringError};

const CHILD: &str = "PSMONITOR_KEYRING_TEST_CHILD";

/// Run as a child by the tests below: every call must be `Unavailable` within a few seconds.
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
            err.to_string().contains("did not answer within 0.5 s"),
            "{err}"
        );
    }
    assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("keyring unavailable: "),
        "{err}"
    );
    let err = keyring.store_password("never stored").unwrap_err();
    assert!(matches!(err, KeyringError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Runs the child case with `DBUS_SESSION_BUS_ADDRESS` set to `bus` (or unset) and a private runtime dir.
fn run_child(mode: &str, bus: Option<&str>) {
    let runtime = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_expects_unavailable",
        "--ignored",
        "--nocapture",
    ])
    .env(CHILD, mode)
    .env("XDG_RUNTIME_DIR", runtime.path())
    .env_remove("DBUS_SESSION_BUS_ADDRESS");
    if let Some(bus) = bus {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child failed after {:?}:\n{text}",
        started.elapsed()
    );
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
}

#[test]
fn no_dbus_session_is_unavailable() {
    run_child("plain", None);
}

#[test]
fn dbus_session_without_secret_service_is_unavailable() {
    let Some(mut daemon) = start_session_bus() else {
        eprintln!("dbus-daemon not installed; skipping the bus-without-secret-service case");
        return;
    };
    let address = read_address(&mut daemon);
    run_child("plain", Some(&address));
    let _ = daemon.kill();
    let _ = daemon.wait();
}

#[test]
fn silent_bus_times_out_as_unavailable() {
    // A socket that accepts connections and never says a word: the D-Bus handshake hangs.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent-bus");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    run_child("silent", Some(&format!("unix:path={}", path.display())));
}

/// A private session bus with no services on it, if `dbus-daemon` exists here.
fn start_session_bus() -> Option<Child> {
    Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn read_address(daemon: &mut Child) -> String {
    let stdout = daemon.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let address = line.trim().to_owned();
    assert!(
        address.starts_with("unix:"),
        "unexpected bus address {address:?}"
    );
    address
}
