//! [`ServerTls`]: the server's certificate as a reloadable rustls configuration.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use futures_rustls::TlsAcceptor;
use rustls::ServerConfig;
use rustls::server::ServerSessionMemoryCache;

use crate::fingerprint::Fingerprint;
use crate::pem::{self, CertError};
use crate::provider;
use crate::self_signed;

/// The one application protocol spoken over TLS.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";
/// TLS 1.3 session tickets sent after each handshake (rustls sends 2 by default): one lets a
/// client that reconnects skip the full handshake; more only fill the session cache faster.
const TLS13_TICKETS: usize = 1;
/// Sessions remembered for resumption, shared by all connections (rustls' default is 256).
const SESSION_CACHE: usize = 1024;

/// Where the server's certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertSource {
    /// The operator's files (`--tls-cert`, `--tls-key`): the full chain, server certificate first,
    /// and its unencrypted private key.
    Files {
        /// PEM certificate chain.
        cert: PathBuf,
        /// PEM private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A self-signed certificate in `<data_dir>/tls/`, made for `names` when it does not exist.
    SelfSigned {
        /// The server's data directory.
        data_dir: PathBuf,
        /// Subject alternative names for a new certificate (see [`self_signed::self_signed_names`]).
        names: Vec<String>,
    },
}

/// One loaded certificate: the rustls configuration and the fingerprint it presents.
#[derive(Clone, Debug)]
struct Loaded {
    config: Arc<ServerConfig>,
    fingerprint: Fingerprint,
}

/// The server's TLS configuration; [`ServerTls::reload`] swaps it for new connections while
/// connections already open keep the one they started with.
#[derive(Debug)]
pub struct ServerTls {
    source: CertSource,
    current: RwLock<Loaded>,
}

impl ServerTls {
    /// Loads the certificate (making the self-signed one on first use) and builds the configuration.
    pub fn load(source: CertSource) -> Result<Self, CertError> {
        let loaded = build(&source)?;
        Ok(Self {
            source,
            current: RwLock::new(loaded),
        })
    }

    /// Reads the same files again; on success new connections get the new certificate and its
    /// fingerprint is returned, on error the current one stays in use.
    pub fn reload(&self) -> Result<Fingerprint, CertError> {
        let loaded = build(&self.source)?;
        let fingerprint = loaded.fingerprint;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(fingerprint)
    }

    /// An acceptor for the next connection, using the certificate loaded now.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config())
    }

    /// The current rustls configuration.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.read().config
    }

    /// The fingerprint of the certificate new connections get.
    pub fn fingerprint(&self) -> Fingerprint {
        self.read().fingerprint
    }

    /// Where the certificate comes from.
    pub fn source(&self) -> &CertSource {
        &self.source
    }

    fn read(&self) -> Loaded {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Reads (or makes) the files of `source` and builds a configuration from them.
fn build(source: &CertSource) -> Result<Loaded, CertError> {
    let (cert, key) = match source {
        CertSource::Files { cert, key } => (cert.clone(), key.clone()),
        CertSource::SelfSigned { data_dir, names } => self_signed::ensure(data_dir, names)?,
    };
    let chain = pem::load_chain(&cert)?;
    let private = pem::load_key(&key)?;
    let fingerprint = Fingerprint::of(&chain[0]);
    let config = server_config(chain, private).map_err(|source| CertError::Mismatch {
        cert,
        key,
        source,
    })?;
    Ok(Loaded {
        config: Arc::new(config),
        fingerprint,
    })
}

/// A server configuration for one certificate chain and key: TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn server_config(
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: rustls_pki_types::PrivateKeyDer<'static>,
) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    config.send_tls13_tickets = TLS13_TICKETS;
    config.session_storage = ServerSessionMemoryCache::new(SESSION_CACHE);
    Ok(config)
}

/// True when `first` (the first bytes a client sent) starts a TLS handshake record, so a
/// listener can tell TLS from plain HTTP and answer the latter with a clear 400.
pub fn looks_like_tls(first: &[u8]) -> bool {
    // Record type 22 (handshake), then the record's protocol major version 3.
    match first {
        [] => false,
        [0x16] => true,
        [0x16, 3, ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_tls_from_plain_http() {
        assert!(looks_like_tls(&[0x16, 3, 1, 2, 0]));
        assert!(looks_like_tls(&[0x16]));
        assert!(!looks_like_tls(b"GET / HTTP/1.1\r\n"));
        assert!(!looks_like_tls(b""));
        assert!(!looks_like_tls(&[0x16, 2]));
    }
}
