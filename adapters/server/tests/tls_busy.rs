//! Issue 20 item 9: when the server is full, its TLS port says so over TLS (503 with
//! `Retry-After` after a completed handshake), so a TLS client reports "busy, retry" instead of
//! "does the server speak https?".

mod common;

use std::net::TcpStream;

use common::{PASSWORD, TestServer};
use psmonitor_client::{Client, ClientConfig, ClientError, ClientTrust};
use psmonitor_server::MAX_HTTP_CONNECTIONS_PER_ADDRESS;
use psmonitor_server::config::TlsMode;
use zeroize::Zeroizing;

#[test]
fn a_full_tls_port_answers_busy_over_tls() {
    let server = TestServer::start_with("vm-no-sensors", |cfg| cfg.tls = TlsMode::On);
    let fingerprint = server.handle.as_ref().unwrap().tls().unwrap().fingerprint();
    // Connections that send nothing hold this address's share until the header timeout.
    let held: Vec<TcpStream> = (0..MAX_HTTP_CONNECTIONS_PER_ADDRESS)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    let mut client = Client::new(ClientConfig {
        server: format!("https://{}", server.addr),
        username: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.to_owned()),
        trust: ClientTrust {
            fingerprint: Some(fingerprint),
            ..ClientTrust::default()
        },
    })
    .unwrap();
    let refused = smol::block_on(client.get_raw("/system"));
    match refused {
        Err(ClientError::Busy { retry_after }) => assert_eq!(retry_after.as_secs(), 1),
        other => panic!("expected busy over TLS, got {other:?}"),
    }
    drop(held);
}
