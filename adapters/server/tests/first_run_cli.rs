//! The first run of the real `psmonitor serve` (DESIGN 6.4): a chosen password (environment or
//! systemd credential) is never printed, a generated one is, with the ways to give it to
//! clients; `--address` takes host names and listens on every address they name.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::binary::{Served, login, psmonitor, serve, serve_cmd};

fn said(served: &Served, text: &str) -> bool {
    served.stdout.iter().any(|l| l.contains(text))
}

#[test]
fn a_password_chosen_with_the_environment_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = "chosen-by-the-operator-7f3";
    let mut cmd = psmonitor(dir.path());
    // Even the most verbose log (stderr) must not have it.
    cmd.env("PSMONITOR_LOG_LEVEL", "trace")
        .env("PSMONITOR_PASSWORD", chosen);
    let (mut child, lines) = start(cmd, 1);
    let stdout = lines.join("\n");
    assert!(
        stdout.contains("with the password from PSMONITOR_PASSWORD (not shown)"),
        "{stdout}"
    );
    let addr = first_address(&lines);
    assert_eq!(login(&addr.to_string(), chosen).0, 200);
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let rest = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    for text in [&stdout[..], &rest[..], &log[..]] {
        assert!(
            !text.contains(chosen),
            "the chosen password was printed: {text}"
        );
    }
}

#[test]
fn a_systemd_credential_sets_the_password_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(
        creds.path().join("psmonitor-password"),
        "from-a-credential\n",
    )
    .unwrap();
    let mut cmd = psmonitor(dir.path());
    cmd.env("CREDENTIALS_DIRECTORY", creds.path());
    let served = serve_cmd(cmd, None);
    assert!(
        said(&served, "systemd credential psmonitor-password (not shown)"),
        "{:?}",
        served.stdout
    );
    assert!(!said(&served, "from-a-credential"), "{:?}", served.stdout);
    assert_eq!(login(&served.addr, "from-a-credential").0, 200);
}

#[test]
fn an_empty_credential_is_refused_naming_the_file_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let creds = tempfile::tempdir().unwrap();
    let file = creds.path().join("psmonitor-password");
    std::fs::write(&file, "\n").unwrap();
    let out = psmonitor(&data)
        .env("CREDENTIALS_DIRECTORY", creds.path())
        .args(["serve", "--port", "0", "--fixture"])
        .arg(common::host("vm-no-sensors"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&file.display().to_string()) && err.contains("empty"),
        "{err}"
    );
    // No account was made with a password nobody knows: the next start can still choose one.
    let served = serve(&data, Some("second-try"));
    assert_eq!(login(&served.addr, "second-try").0, 200);
}

#[test]
fn a_generated_password_is_printed_once_with_the_ways_to_give_it() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), None);
    let text = served.stdout.join("\n");
    assert!(text.contains("  password: "), "{text}");
    assert!(text.contains("PSMONITOR_PASSWORD"), "{text}");
    assert!(text.contains("--password-stdin"), "{text}");
}

/// Starts `cmd` as `serve` on port 0 with a fixture, stdout and stderr piped, and reads stdout
/// until `listeners` lines say `listening on` (or 30 s pass).
fn start(mut cmd: Command, listeners: usize) -> (Child, Vec<String>) {
    cmd.args(["serve", "--port", "0", "--fixture"])
        .arg(common::host("vm-no-sensors"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while lines
        .iter()
        .filter(|l: &&String| l.starts_with("listening on "))
        .count()
        < listeners
    {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => lines.push(line),
            Err(e) => {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "serve never listened ({e}): {lines:?} {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    (child, lines)
}

/// The addresses `listening on http://ADDR` lines name.
fn listening(lines: &[String]) -> BTreeSet<SocketAddr> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("listening on http://"))
        .map(|a| a.parse().unwrap())
        .collect()
}

fn first_address(lines: &[String]) -> SocketAddr {
    *listening(lines).iter().next().unwrap()
}

#[test]
fn localhost_is_listened_on_at_every_address_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let expected: BTreeSet<IpAddr> = ("localhost", 0)
        .to_socket_addrs()
        .unwrap()
        .map(|a| a.ip())
        .collect();
    let mut cmd = psmonitor(dir.path());
    cmd.env("PSMONITOR_ADDRESS", "localhost")
        .env("PSMONITOR_PASSWORD", "pw");
    let (mut child, lines) = start(cmd, expected.len());
    let addrs = listening(&lines);
    let ips: BTreeSet<IpAddr> = addrs.iter().map(|a| a.ip()).collect();
    assert_eq!(ips, expected, "{lines:?}");
    let ports: BTreeSet<u16> = addrs.iter().map(|a| a.port()).collect();
    assert_eq!(ports.len(), 1, "one port for every address: {addrs:?}");
    for addr in addrs {
        assert_eq!(login(&addr.to_string(), "pw").0, 200, "{addr}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_host_name_for_the_config_file_address_works_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("psmonitor.toml");
    std::fs::write(&config, "address = \"localhost\"\n").unwrap();
    let mut cmd = psmonitor(&dir.path().join("data"));
    cmd.env("PSMONITOR_CONFIG", &config)
        .env("PSMONITOR_PASSWORD", "pw");
    let (mut child, lines) = start(cmd, 1);
    assert!(first_address(&lines).ip().is_loopback(), "{lines:?}");
    assert_eq!(login(&first_address(&lines).to_string(), "pw").0, 200);
    child.kill().unwrap();
    child.wait().unwrap();
}
