//! Shared harness: a TLS echo server on 127.0.0.1 port 0 behind a [`ServerTls`], certificates
//! made with rcgen, and a client that reports what the server presented.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use psmonitor_tls::{ClientTrust, Fingerprint, ServerTls, TrustError, trust_error};
use smol::net::{TcpListener, TcpStream};

/// Starts a thread that accepts TLS connections with `tls`'s current certificate and echoes.
pub fn echo_server(tls: Arc<ServerTls>) -> SocketAddr {
    let listener = smol::block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        smol::block_on(async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = tls.acceptor();
                smol::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = tls.read(&mut buf).await {
                        if n == 0 || tls.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                        let _ = tls.flush().await;
                    }
                })
                .detach();
            }
        })
    });
    addr
}

/// An open client connection and the fingerprint of the certificate the server presented.
pub struct Conn {
    pub stream: futures_rustls::client::TlsStream<TcpStream>,
    pub presented: Fingerprint,
}

impl Conn {
    /// Sends `text` and checks it comes back.
    pub fn echo(&mut self, text: &str) {
        smol::block_on(async {
            self.stream.write_all(text.as_bytes()).await.unwrap();
            self.stream.flush().await.unwrap();
            let mut buf = vec![0u8; text.len()];
            self.stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf, text.as_bytes());
        })
    }
}

/// Connects to `addr` as a client of `host` with `trust`; a refused certificate is its `TrustError`.
pub fn connect(trust: &ClientTrust, host: &str, addr: SocketAddr) -> Result<Conn, TrustError> {
    let client = trust.client(host, addr.port()).unwrap();
    smol::block_on(async {
        let tcp = TcpStream::connect(addr).await.unwrap();
        match client.connect(tcp).await {
            Ok(stream) => {
                let der = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
                let mut conn = Conn {
                    stream,
                    presented: Fingerprint::of(&der),
                };
                conn.echo("hello");
                Ok(conn)
            }
            Err(e) => Err(trust_error(&e).unwrap_or_else(|| panic!("not a trust error: {e}"))),
        }
    })
}

#[allow(unused_imports)]
pub use psmonitor_tls::testing::TestCa;

/// Writes a PEM pair as `dir/NAME.crt` and `dir/NAME.key`, returning the two paths.
pub fn write_pair(
    dir: &Path,
    name: &str,
    pair: &(String, String),
) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, &pair.0).unwrap();
    std::fs::write(&key, &pair.1).unwrap();
    (cert, key)
}

/// Years that make a certificate valid now (the tests run well before 2090).
pub const VALID: (i32, i32) = (2020, 2090);
/// Years that make a certificate expired now.
pub const EXPIRED: (i32, i32) = (2001, 2002);
