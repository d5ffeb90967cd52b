//! The server's own TLS, with real handshakes on 127.0.0.1: every route and a `wss://` stream
//! with a self-signed certificate kept in the data dir, the plain-HTTP answer on the TLS port,
//! `--tls auto` beyond loopback, and SIGHUP switching certificates under an open stream.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::binary::{BIN, Served, isolated};
use common::{PASSWORD, TestServer, golden, host, raw_exchange, statuses};
use psmonitor_client::{Client, ClientConfig, ClientError, ClientTrust, Fingerprint, TrustError};
use psmonitor_server::config::TlsMode;
use psmonitor_tls::testing::TestCa;
use zeroize::Zeroizing;

const HOST: &str = "vm-no-sensors";

fn pinned(addr: SocketAddr, fingerprint: Fingerprint) -> ClientConfig {
    ClientConfig {
        server: format!("https://{addr}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.to_owned()),
        trust: ClientTrust {
            fingerprint: Some(fingerprint),
            ..ClientTrust::default()
        },
    }
}

fn tls_server() -> TestServer {
    TestServer::start_with(HOST, |cfg| cfg.tls = TlsMode::On)
}

#[test]
fn every_route_and_a_stream_over_tls_with_the_self_signed_certificate() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let mut server = TestServer::start_with(HOST, |cfg| {
        cfg.tls = TlsMode::On;
        cfg.history = false;
    });
    let fingerprint = server.handle.as_ref().unwrap().tls().unwrap().fingerprint();
    let key = server.dir.path().join("tls").join("key.pem");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let mut client = Client::new(pinned(server.addr, fingerprint)).unwrap();
    smol::block_on(async {
        let system = client.get_raw("/system").await.unwrap();
        let want: serde_json::Value = serde_json::from_str(&golden(HOST, "system.json")).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&system).unwrap(),
            want
        );
        let network = client.get_raw("/network").await.unwrap();
        assert!(network.contains("\"interfaces\""), "{network}");
        let mut sub = client.subscribe().await.unwrap();
        let first = sub.next().await.unwrap();
        let second = sub.next().await.unwrap();
        assert_ne!(first.uptime.to_string(), "", "{second:?}");
        sub.close().await;
        // The raw routes: login, refresh, worker (a wss:// URL), the dashboard.
        let mut conn = client.connection();
        let body = serde_json::json!({"username": "PSMonitor", "password": PASSWORD}).to_string();
        let login = conn
            .request("POST", "/authenticate", None, Some(body.as_bytes()))
            .await
            .unwrap();
        assert_eq!(login.status, 200);
        let token: serde_json::Value = serde_json::from_slice(&login.body).unwrap();
        let token = token["token"].as_str().unwrap().to_owned();
        let refreshed = conn
            .request("POST", "/refresh", Some(&token), None)
            .await
            .unwrap();
        assert_eq!(refreshed.status, 200, "{}", refreshed.error_text());
        let worker = conn
            .request("POST", "/worker", Some(&token), None)
            .await
            .unwrap();
        assert_eq!(worker.status, 200);
        let url = serde_json::from_slice::<serde_json::Value>(&worker.body).unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(url.starts_with("wss://"), "{url}");
        let page = conn.request("GET", "/", None, None).await.unwrap();
        assert_eq!(page.status, 200);
    });
    // A restart on the same data dir presents the same certificate.
    let dir = server.dir.path().to_owned();
    server.stop();
    let config = {
        let mut cfg = common::config(&dir);
        cfg.tls = TlsMode::On;
        cfg
    };
    let again =
        psmonitor_server::testing::spawn_fixture(config, server.account.clone(), &host(HOST));
    assert_eq!(again.tls().unwrap().fingerprint(), fingerprint);
    let mut client = Client::new(pinned(again.addr(), fingerprint)).unwrap();
    smol::block_on(async { client.system().await.unwrap() });
    again.stop().unwrap();
}

#[test]
fn plain_http_to_the_tls_port_is_told_to_use_https() {
    let server = tls_server();
    let (text, closed) = raw_exchange(server.addr, b"GET /system HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(statuses(&text), [400], "{text}");
    let want = format!("this server speaks https: use https://{}", server.addr);
    assert_eq!(common::body_json(&text)["error"], want.as_str());
    assert!(closed);
}

#[test]
fn a_wrong_pin_is_refused_by_the_client() {
    let server = tls_server();
    let wrong: Fingerprint = "00".repeat(32).parse().unwrap();
    let mut client = Client::new(pinned(server.addr, wrong)).unwrap();
    let err = smol::block_on(async { client.system().await.unwrap_err() });
    assert!(
        matches!(
            err,
            ClientError::Trust(TrustError::CertificateChanged { .. })
        ),
        "{err:?}"
    );
}

/// Starts the binary with `args` and returns it with the address and fingerprint of its
/// `listening on https://ADDR (certificate fingerprint FP)` line.
#[allow(
    clippy::zombie_processes,
    reason = "`Served` kills and waits for the child on drop"
)]
fn serve_tls(dir: &std::path::Path, args: &[&str]) -> (Served, SocketAddr, Fingerprint) {
    let mut cmd = isolated(Command::new(BIN), dir);
    cmd.args(["serve", "--port", "0", "--interval", "200ms", "--fixture"])
        .arg(host(HOST))
        .args(args)
        .env("PSMONITOR_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no listening line");
        if let Some(rest) = line.strip_prefix("listening on https://") {
            let (addr, fp) = rest.split_once(" (certificate fingerprint ").unwrap();
            let fp: Fingerprint = fp.trim_end_matches(')').parse().unwrap();
            let addr: SocketAddr = addr.parse().unwrap();
            let served = Served {
                child,
                addr: addr.to_string(),
                stdout: vec![line],
            };
            return (served, addr, fp);
        }
        assert!(
            !line.starts_with("listening on http://"),
            "TLS expected: {line}"
        );
    }
}

#[test]
fn tls_auto_beyond_loopback_is_https() {
    let dir = tempfile::tempdir().unwrap();
    let (_served, addr, fp) = serve_tls(dir.path(), &["--address", "0.0.0.0"]);
    let local: SocketAddr = format!("127.0.0.1:{}", addr.port()).parse().unwrap();
    let mut client = Client::new(pinned(local, fp)).unwrap();
    smol::block_on(async { client.system().await.unwrap() });
    let out = isolated(Command::new(BIN), dir.path())
        .args(["tls", "fingerprint"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        fp.to_string()
    );
}

#[test]
fn sighup_switches_certificates_while_an_open_stream_keeps_flowing() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (cert_pem, key_pem) = ca.leaf(&["localhost", "127.0.0.1"], (2020, 2090));
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let data = dir.path().join("data");
    let args = [
        "--tls",
        "on",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    let (served, addr, first) = serve_tls(&data, &args);
    let mut client = Client::new(pinned(addr, first)).unwrap();
    let mut sub = smol::block_on(async { client.subscribe().await.unwrap() });
    smol::block_on(async { sub.next().await.unwrap() });
    // New files, then SIGHUP.
    let (cert_pem, key_pem) = ca.leaf(&["localhost", "127.0.0.1"], (2021, 2091));
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // New connections get the new certificate: the old pin fails, a CA-verified one works.
    let mut changed = false;
    for _ in 0..50 {
        let mut probe = Client::new(pinned(addr, first)).unwrap();
        if let Err(ClientError::Trust(TrustError::CertificateChanged { .. })) =
            smol::block_on(probe.system())
        {
            changed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(changed, "new connections still see the old certificate");
    let ca_file = dir.path().join("ca.pem");
    ca.write(&ca_file);
    let mut by_ca = Client::new(ClientConfig {
        trust: ClientTrust {
            ca_file: Some(ca_file),
            ..ClientTrust::default()
        },
        ..pinned(addr, first)
    })
    .unwrap();
    smol::block_on(async { by_ca.system().await.unwrap() });
    // The stream opened before the reload still delivers frames.
    smol::block_on(async {
        for _ in 0..3 {
            sub.next().await.unwrap();
        }
    });
}
