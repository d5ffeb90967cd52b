//! The `psmonitor` binary with a real Secret Service (GNOME Keyring on a private session bus): a
//! first run saves the password there, `credentials show` reads it back, `credentials reset`
//! replaces it, and a locked or vanished keyring is named as such.
//!
//! Skips with a loud line without `dbus-daemon` and `gnome-keyring-daemon`, and fails then under
//! `PSMONITOR_REQUIRE_KEYRING=1` (CI).

mod common;

use std::process::Output;

use common::binary::{login, psmonitor, serve_cmd};
use psmonitor_keyring::testing::{SecretService, missing};

/// `psmonitor ARGS` on the data dir `dir`, talking to the keyring on `bus`.
fn run(dir: &std::path::Path, bus: &str, args: &[&str]) -> Output {
    psmonitor(dir)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .args(args)
        .output()
        .unwrap()
}

fn shown_password(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0], "username: PSMonitor");
    lines[1].strip_prefix("password: ").unwrap().to_owned()
}

fn show_fails_with(dir: &std::path::Path, bus: &str, expected: &str) {
    let out = run(dir, bus, &["credentials", "show"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(stderr.contains("psmonitor credentials reset"), "{stderr}");
}

#[test]
fn first_run_saves_the_password_in_the_keyring_and_the_cli_reads_it() {
    let mut keyring = match SecretService::start() {
        Ok(keyring) => keyring,
        Err(why) => return missing("a private gnome-keyring", &why),
    };
    let bus = keyring.bus.address.clone();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();

    let mut cmd = psmonitor(dir);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus);
    let served = serve_cmd(cmd, None);
    assert!(
        served
            .stdout
            .iter()
            .any(|l| l.contains("also saved in the keyring")),
        "{:?}",
        served.stdout
    );
    let printed = served
        .stdout
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap()
        .to_owned();
    let saved = shown_password(&run(dir, &bus, &["credentials", "show"]));
    assert_eq!(saved, printed);
    assert_eq!(login(&served.addr, &saved).0, 200);
    drop(served);

    let out = run(dir, &bus, &["credentials", "reset"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "the keyring kept it: {out:?}");
    let reset = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_ne!(reset, printed);
    assert_eq!(
        shown_password(&run(dir, &bus, &["credentials", "show"])),
        reset
    );

    // The next login session did not unlock the keyring: "locked", not "no password".
    keyring.restart(false).unwrap();
    show_fails_with(dir, &bus, "keyring locked");
    // A first run then still shows the password, and says the keyring did not keep it.
    let fresh = tempfile::tempdir().unwrap();
    let mut cmd = psmonitor(fresh.path());
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus);
    let served = serve_cmd(cmd, None);
    let said = |text: &str| served.stdout.iter().any(|l| l.contains(text));
    assert!(said("password: "), "{:?}", served.stdout);
    assert!(said("not saved in the keyring"), "{:?}", served.stdout);
    drop(served);

    // No Secret Service at all.
    keyring.kill();
    show_fails_with(dir, &bus, "keyring unavailable");
}

#[test]
fn two_servers_with_two_data_dirs_keep_two_keyring_entries() {
    let keyring = match SecretService::start() {
        Ok(keyring) => keyring,
        Err(why) => return missing("a private gnome-keyring", &why),
    };
    let bus = keyring.bus.address.clone();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first_run = |dir: &std::path::Path| {
        let mut cmd = psmonitor(dir);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus);
        let served = serve_cmd(cmd, None);
        let printed = served
            .stdout
            .iter()
            .find_map(|l| l.trim().strip_prefix("password: "))
            .unwrap()
            .to_owned();
        (served, printed)
    };
    let (served_a, password_a) = first_run(a.path());
    let (served_b, password_b) = first_run(b.path());
    assert_ne!(password_a, password_b);
    // Starting B did not overwrite A's password: each data dir shows its own.
    assert_eq!(
        shown_password(&run(a.path(), &bus, &["credentials", "show"])),
        password_a
    );
    assert_eq!(
        shown_password(&run(b.path(), &bus, &["credentials", "show"])),
        password_b
    );
    // A client on this machine finds each server's password through its data dir's entry.
    for (dir, served) in [(a.path(), &served_a), (b.path(), &served_b)] {
        let url = format!("http://{}", served.addr);
        let out = run(dir, &bus, &["get", "system", "--json", "--server", &url]);
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A reset of B changes B's entry only.
    let out = run(b.path(), &bus, &["credentials", "reset"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        shown_password(&run(a.path(), &bus, &["credentials", "show"])),
        password_a
    );
    assert_eq!(login(&served_a.addr, &password_a).0, 200);
}
