//! A client that reconnects resumes its TLS session (the server sends one ticket per handshake),
//! so the one-connection-per-call client pays the full handshake only once.

mod common;

use std::sync::Arc;

use common::echo_server;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use psmonitor_tls::{CertSource, ClientTrust, ServerTls};
use rustls::HandshakeKind;
use smol::net::TcpStream;

#[test]
fn a_second_connection_resumes_the_session() {
    let data = tempfile::tempdir().unwrap();
    let tls = Arc::new(
        ServerTls::load(CertSource::SelfSigned {
            data_dir: data.path().to_owned(),
            names: vec!["localhost".into()],
        })
        .unwrap(),
    );
    let addr = echo_server(tls.clone());
    let client = ClientTrust {
        fingerprint: Some(tls.fingerprint()),
        ..ClientTrust::default()
    }
    .client("localhost", addr.port())
    .unwrap();
    let kinds: Vec<_> = (0..3)
        .map(|_| {
            smol::block_on(async {
                let tcp = TcpStream::connect(addr).await.unwrap();
                let mut s = client.connect(tcp).await.unwrap();
                // The ticket arrives after the handshake: read the echo so it has been processed.
                s.write_all(b"x").await.unwrap();
                s.flush().await.unwrap();
                let mut b = [0u8; 1];
                s.read_exact(&mut b).await.unwrap();
                s.get_ref().1.handshake_kind()
            })
        })
        .collect();
    assert_eq!(
        kinds,
        [
            Some(HandshakeKind::Full),
            Some(HandshakeKind::Resumed),
            Some(HandshakeKind::Resumed)
        ]
    );
}
