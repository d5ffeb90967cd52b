//! Test support (feature `testing`): a TLS-terminating forwarder to put in front of a plain
//! server, and a certificate authority made with rcgen.

use std::net::{Shutdown, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use futures_lite::{AsyncWriteExt, future, io};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use smol::net::{TcpListener, TcpStream};

use crate::server::ServerTls;

/// Accepts TLS on a free port of 127.0.0.1 with `tls`'s current certificate (so a reload changes
/// what new connections see) and forwards the plaintext to `backend`, on a thread of its own.
/// Returns the address to connect to.
///
/// Panics if it cannot bind: it is meant for tests.
pub fn spawn_forwarder(tls: Arc<ServerTls>, backend: SocketAddr) -> SocketAddr {
    let listener = smol::block_on(TcpListener::bind("127.0.0.1:0")).expect("bind the forwarder");
    let addr = listener.local_addr().expect("forwarder address");
    std::thread::spawn(move || {
        smol::block_on(async {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = tls.acceptor();
                smol::spawn(async move {
                    let Ok(tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(server) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = server.set_nodelay(true);
                    let (from_client, mut to_client) = io::split(tls);
                    let mut to_server = server.clone();
                    let up = async {
                        let _ = io::copy(from_client, &mut to_server).await;
                        let _ = to_server.shutdown(Shutdown::Write);
                    };
                    let down = async {
                        let _ = io::copy(server, &mut to_client).await;
                        let _ = to_client.close().await;
                    };
                    future::zip(up, down).await;
                })
                .detach();
            }
        })
    });
    addr
}

/// A test certificate authority.
#[derive(Debug)]
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A new ECDSA P-256 CA named "PSMonitor test CA".
    pub fn new() -> Self {
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "PSMonitor test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ca key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("ca certificate"),
        }
    }

    /// The CA certificate as PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Writes the CA certificate to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.pem()).expect("write the ca certificate");
    }

    /// A certificate for `names` valid from January 1st of `years.0` to that of `years.1`, as
    /// PEM texts: the chain (leaf, then this CA) and the key.
    pub fn leaf(&self, names: &[&str], years: (i32, i32)) -> (String, String) {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("leaf names");
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        (format!("{}{}", cert.pem(), self.pem()), key.serialize_pem())
    }
}
