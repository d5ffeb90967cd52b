//! SIGHUP on the real binary (`systemctl reload`): never fatal, plain HTTP or TLS; it reloads the
//! certificate and re-reads the config file, and says so in the log.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use common::PASSWORD;
use common::binary::{LoggedServer, get_system, login, serve_logged};
use psmonitor_client::{Client, ClientConfig, ClientTrust, Fingerprint};
use psmonitor_tls::load_chain;
use psmonitor_tls::testing::TestCa;
use zeroize::Zeroizing;

fn serve(dir: &Path, args: &[&str]) -> LoggedServer {
    serve_logged(dir, PASSWORD, args)
}

trait Reload {
    fn hup(&self);
    fn assert_serving(&mut self);
}

impl Reload for LoggedServer {
    fn hup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn assert_serving(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
        let (status, body) = login(&self.addr, PASSWORD);
        assert_eq!(status, 200, "{body}");
        assert_eq!(get_system(&self.addr, body["token"].as_str().unwrap()), 200);
    }
}

#[test]
fn sighup_on_plain_http_rereads_the_config_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("psmonitor.toml");
    std::fs::write(&config, "max-connections = 100\n").unwrap();
    let data = dir.path().join("data");
    let mut server = serve(&data, &["--config", config.to_str().unwrap()]);
    server.assert_serving();
    server.hup();
    server.wait_log(&["SIGHUP", "no TLS certificate to reload"]);
    server.wait_log(&["SIGHUP", "re-read the settings: unchanged"]);
    server.assert_serving();
    // A changed setting is named; it applies at the next start.
    std::fs::write(&config, "max-connections = 200\n").unwrap();
    server.hup();
    let line = server.wait_log(&["SIGHUP", "changed"]);
    assert!(line.contains("max-connections"), "{line}");
    assert!(!line.contains("interval"), "{line}");
    // A broken file is reported and the running settings stay.
    std::fs::write(&config, "max-connections = \"many\n").unwrap();
    server.hup();
    let line = server.wait_log(&["SIGHUP", "invalid"]);
    assert!(line.contains("psmonitor.toml"), "{line}");
    // Several in a row are all survived (one at a time: signals sent together may be merged
    // into one by the kernel, so each waits for its own log line).
    for _ in 0..5 {
        server.hup();
        server.wait_log(&["SIGHUP", "no TLS certificate"]);
    }
    server.assert_serving();
}

fn fingerprint_of(cert: &Path) -> Fingerprint {
    Fingerprint::of(load_chain(cert).unwrap()[0].as_ref())
}

fn system_with_pin(addr: &str, pin: Fingerprint) -> Result<(), psmonitor_client::ClientError> {
    let mut client = Client::new(ClientConfig {
        server: format!("https://{addr}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.to_owned()),
        trust: ClientTrust {
            fingerprint: Some(pin),
            ..ClientTrust::default()
        },
    })
    .unwrap();
    smol::block_on(client.system()).map(|_| ())
}

#[test]
fn sighup_with_tls_serves_the_certificate_swapped_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let (cert_pem, key_pem) = ca.leaf(&["localhost", "127.0.0.1"], (2020, 2090));
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let first = fingerprint_of(&cert);
    let data = dir.path().join("data");
    let server = serve(
        &data,
        &[
            "--tls",
            "on",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let addr: SocketAddr = server.addr.parse().unwrap();
    system_with_pin(&server.addr, first).unwrap();
    let (cert_pem, key_pem) = ca.leaf(&["localhost", "127.0.0.1"], (2021, 2091));
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let second = fingerprint_of(&cert);
    assert_ne!(first, second);
    server.hup();
    let line = server.wait_log(&["SIGHUP", "reloaded the TLS certificate"]);
    assert!(line.contains(&second.to_string()), "{line}");
    // The reload is done when it is logged: new connections get the new certificate.
    system_with_pin(&addr.to_string(), second).unwrap();
    assert!(system_with_pin(&addr.to_string(), first).is_err());
    // A broken key file is reported; the server keeps the certificate it has.
    std::fs::write(&key, "not a key").unwrap();
    server.hup();
    server.wait_log(&["SIGHUP", "cannot reload the TLS certificate"]);
    system_with_pin(&addr.to_string(), second).unwrap();
}
