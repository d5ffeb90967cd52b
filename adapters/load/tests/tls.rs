//! The load generator over real TLS: a TLS-terminating forwarder (psmonitor-tls, self-signed
//! certificate) in front of a real in-process server; pinned it runs, unpinned it exits 4.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use psmonitor_client::{ClientError, ClientTrust, TrustError, UntrustedReason};
use psmonitor_load::{LoadError, LoadOptions, run};
use psmonitor_server::ServerHandle;
use psmonitor_tls::testing::spawn_forwarder;
use psmonitor_tls::{CertSource, ServerTls};
use zeroize::Zeroizing;

mod common;

use common::{INTERVAL, PASSWORD};

/// A server, a TLS forwarder before it, and their temp dir.
fn start() -> (ServerHandle, Arc<ServerTls>, SocketAddr, tempfile::TempDir) {
    let (server, dir) = common::fixture_server();
    let tls = Arc::new(
        ServerTls::load(CertSource::SelfSigned {
            data_dir: dir.path().to_owned(),
            names: vec!["localhost".into()],
        })
        .unwrap(),
    );
    let front = spawn_forwarder(tls.clone(), server.addr());
    (server, tls, front, dir)
}

fn options(front: SocketAddr, trust: ClientTrust) -> LoadOptions {
    LoadOptions {
        server: format!("https://localhost:{}", front.port()),
        user: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.into()),
        subscribers: 3,
        duration: Duration::from_secs(1),
        server_pid: None,
        http_rate: 10,
        login_rate: 0,
        interval: INTERVAL,
        trust,
    }
}

#[test]
fn pinned_subscribers_and_probes_run_over_tls() {
    let (server, tls, front, _dir) = start();
    let trust = ClientTrust {
        fingerprint: Some(tls.fingerprint()),
        ..ClientTrust::default()
    };
    let report = run(&options(front, trust)).unwrap();
    server.stop().unwrap();
    assert_eq!(report.subscribers_connected, 3, "{report}");
    assert_eq!(report.subscribers_failed, 0, "{report}");
    assert!(report.frames.ticks >= 3, "{report}");
    let system = report.system.as_ref().unwrap();
    assert!(system.ok >= 5 && system.errors == 0, "{report}");
}

#[test]
fn an_unpinned_self_signed_certificate_is_refused() {
    let (server, tls, front, _dir) = start();
    match run(&options(front, ClientTrust::default())) {
        Err(LoadError::Client(ClientError::Trust(TrustError::Untrusted {
            fingerprint,
            reason: UntrustedReason::UnknownIssuer,
        }))) => assert_eq!(fingerprint, tls.fingerprint()),
        other => panic!("expected an untrusted certificate, got {other:?}"),
    }

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_psmonitor-load"))
        .args(["--server", &format!("https://localhost:{}", front.port())])
        .args(["--subscribers", "1", "--duration", "1s"])
        .env("PSMONITOR_PASSWORD", PASSWORD)
        .env_remove("PSMONITOR_FINGERPRINT")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains(&format!("--fingerprint {}", tls.fingerprint())),
        "{err}"
    );
    server.stop().unwrap();
}
