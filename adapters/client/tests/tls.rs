//! The client over real TLS: a TLS-terminating forwarder (psmonitor-tls' server configuration,
//! self-signed certificate in a temp data dir) in front of a real plain server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{PASSWORD, TestServer, next_event};
use psmonitor_client::{
    Client, ClientConfig, ClientError, ClientTrust, Fingerprint, KnownServers, TrustError,
    TrustedBy, UntrustedReason, WatchEvent, WatchOptions, watch,
};
use psmonitor_tls::testing::spawn_forwarder;
use psmonitor_tls::{CertSource, ServerTls, self_signed_names};

/// A plain server with a TLS forwarder in front of it.
struct TlsServer {
    plain: TestServer,
    tls: Arc<ServerTls>,
    port: u16,
}

impl TlsServer {
    fn start() -> Self {
        let plain = TestServer::start();
        let tls = ServerTls::load(CertSource::SelfSigned {
            data_dir: plain.dir.path().to_owned(),
            names: self_signed_names(&[plain.addr.ip()]),
        })
        .unwrap();
        let tls = Arc::new(tls);
        let port = spawn_forwarder(tls.clone(), plain.addr).port();
        Self { plain, tls, port }
    }

    fn config(&self, trust: ClientTrust) -> ClientConfig {
        let mut config = self.plain.client_config(PASSWORD);
        config.server = format!("https://127.0.0.1:{}", self.port);
        config.trust = trust;
        config
    }

    fn pinned(&self, fingerprint: Fingerprint) -> ClientConfig {
        self.config(ClientTrust {
            fingerprint: Some(fingerprint),
            ..ClientTrust::default()
        })
    }
}

#[test]
fn a_pinned_client_fetches_and_streams_frames_over_wss() {
    let server = TlsServer::start();
    let mut client = Client::new(server.pinned(server.tls.fingerprint())).unwrap();
    assert_eq!(
        client.trusted_by(),
        Some(&TrustedBy::Pin(server.tls.fingerprint()))
    );
    smol::block_on(async {
        let system = client.system().await.unwrap();
        assert!(!system.platform.distro.is_empty());
        let mut sub = client.subscribe().await.unwrap();
        let first = sub.next().await.unwrap();
        let mut last = first.clone();
        for _ in 0..3 {
            last = sub.next().await.unwrap();
        }
        assert_ne!(first.uptime, last.uptime, "the stream does not move");
        sub.close().await;
    });
}

#[test]
fn a_keep_alive_connection_carries_several_requests_over_tls() {
    let server = TlsServer::start();
    let mut client = Client::new(server.pinned(server.tls.fingerprint())).unwrap();
    let body = serde_json::json!({"username": "PSMonitor", "password": PASSWORD}).to_string();
    let mut conn = client.connection();
    smol::block_on(async {
        client.login().await.unwrap();
        for _ in 0..3 {
            let reply = conn
                .request("POST", "/authenticate", None, Some(body.as_bytes()))
                .await
                .unwrap();
            assert_eq!(reply.status, 200, "{}", reply.error_text());
        }
    });
}

#[test]
fn an_unknown_certificate_is_refused_with_its_fingerprint() {
    let server = TlsServer::start();
    let want = ClientError::Trust(TrustError::Untrusted {
        fingerprint: server.tls.fingerprint(),
        reason: UntrustedReason::UnknownIssuer,
    });
    let mut client = Client::new(server.config(ClientTrust::default())).unwrap();
    let err = smol::block_on(client.system()).unwrap_err();
    assert_eq!(err, want);
    assert!(err.is_fatal());
    // The watch stops at once instead of retrying.
    let w = watch(
        server.config(ClientTrust::default()),
        WatchOptions::default(),
    );
    match next_event(&w.events, Duration::from_secs(10)) {
        WatchEvent::Stopped(err) => assert_eq!(err, want),
        other => panic!("expected Stopped, got {other:?}"),
    }
}

#[test]
fn a_changed_certificate_is_refused() {
    let server = TlsServer::start();
    let old = Fingerprint::of(b"the certificate the server had before");
    let mut client = Client::new(server.pinned(old)).unwrap();
    let err = smol::block_on(client.login()).unwrap_err();
    assert_eq!(
        err,
        ClientError::Trust(TrustError::CertificateChanged {
            expected: old,
            actual: server.tls.fingerprint(),
        })
    );
    assert!(err.is_fatal());
}

#[test]
fn a_remembered_fingerprint_is_used_without_a_pin() {
    let server = TlsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known-servers.toml");
    let mut known = KnownServers::load(&path).unwrap();
    known.insert(
        &KnownServers::key("127.0.0.1", server.port),
        server.tls.fingerprint(),
    );
    known.save().unwrap();
    let mut client = Client::new(server.config(ClientTrust {
        known_servers: Some(path.clone()),
        ..ClientTrust::default()
    }))
    .unwrap();
    assert_eq!(
        client.trusted_by(),
        Some(&TrustedBy::KnownServer(server.tls.fingerprint()))
    );
    smol::block_on(client.system()).unwrap();

    // A broken known-servers file is a setup error, not a silent fallback.
    std::fs::write(&path, "garbage ]]").unwrap();
    let err = Client::new(server.config(ClientTrust {
        known_servers: Some(path),
        ..ClientTrust::default()
    }))
    .unwrap_err();
    assert!(matches!(err, ClientError::TlsSetup(_)), "{err}");
    assert!(err.is_fatal());
}

#[test]
fn https_to_a_plain_http_port_says_so() {
    // What a TLS-less server answers to a ClientHello (DESIGN 5.1 has the TLS server send this
    // to plain clients; a plain server may answer its own 400 the same way).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut conn, _) = listener.accept().unwrap();
        let mut hello = [0u8; 512];
        let _ = conn.read(&mut hello);
        let body = r#"{"error":"bad request"}"#;
        let _ = write!(
            conn,
            "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let config = ClientConfig {
        server: format!("https://{addr}"),
        username: "PSMonitor".into(),
        password: Default::default(),
        trust: ClientTrust {
            fingerprint: Some(Fingerprint::of(b"any")),
            ..ClientTrust::default()
        },
    };
    let err = smol::block_on(Client::new(config).unwrap().system()).unwrap_err();
    assert!(matches!(&err, ClientError::NotTls { .. }), "{err:?}");
}
