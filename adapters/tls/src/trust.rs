//! [`ClientTrust`]: which certificates a client accepts, turned into a [`TlsClient`] for one server.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use futures_lite::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use rustls::client::WebPkiServerVerifier;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::ServerName;

use crate::fingerprint::Fingerprint;
use crate::known::{KnownServers, KnownServersError};
use crate::pem;
use crate::provider;
use crate::server::ALPN_HTTP1;
use crate::verify::{Anchor, TrustVerifier};

/// What a client trusts, in the order of DESIGN 5.1: a pinned fingerprint (given, else remembered
/// in the known-servers file), else the certificates of a CA file, else the system trust store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientTrust {
    /// Accept exactly the certificate with this fingerprint (`--fingerprint`).
    pub fingerprint: Option<Fingerprint>,
    /// Verify against the authorities in this PEM file instead of the system store (`--ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Look up a remembered fingerprint for `host:port` in this `known-servers.toml`.
    pub known_servers: Option<PathBuf>,
}

/// What vouches for the server's certificate on a [`TlsClient`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustedBy {
    /// A fingerprint given for this connection.
    Pin(Fingerprint),
    /// A fingerprint remembered in the known-servers file.
    KnownServer(Fingerprint),
    /// The authorities in a CA file.
    CaFile(PathBuf),
    /// The system trust store.
    System,
}

/// Why a client's TLS settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustSetupError {
    /// The `--ca-file` does not exist or cannot be read.
    #[error("cannot read the CA file {}: {source}", path.display())]
    CaFileUnreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The `--ca-file` holds no usable PEM certificate.
    #[error(
        "the CA file {} holds no usable PEM certificate{}: pass the authority's certificate \
         (-----BEGIN CERTIFICATE-----)",
        path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    CaFileEmpty {
        /// The file.
        path: PathBuf,
        /// What the parser said, if anything.
        detail: Option<String>,
    },
    /// The known-servers file cannot be read.
    #[error(transparent)]
    KnownServers(#[from] KnownServersError),
    /// The host is not a valid DNS name or IP address.
    #[error("{host:?} is not a valid host name for TLS")]
    InvalidName {
        /// The host.
        host: String,
    },
    /// rustls refused the configuration.
    #[error("cannot set up TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// A TLS connector for one server, with its name and what trusts its certificate.
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
    name: ServerName<'static>,
    trusted_by: TrustedBy,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient")
            .field("name", &self.name)
            .field("trusted_by", &self.trusted_by)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Runs the TLS handshake over `io`; a refused certificate is an error that
    /// [`trust_error`](crate::trust_error) turns into a [`TrustError`](crate::TrustError).
    pub async fn connect<IO>(&self, io: IO) -> io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        self.connector.connect(self.name.clone(), io).await
    }

    /// What vouches for the server's certificate.
    pub fn trusted_by(&self) -> &TrustedBy {
        &self.trusted_by
    }
}

impl ClientTrust {
    /// Trust for the server at `host:port` (`host` without IPv6 brackets).
    pub fn client(&self, host: &str, port: u16) -> Result<TlsClient, TrustSetupError> {
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| TrustSetupError::InvalidName {
                host: host.to_owned(),
            })?;
        let remembered = match (&self.fingerprint, &self.known_servers) {
            (None, Some(path)) => KnownServers::load(path)?.get(&KnownServers::key(host, port)),
            _ => None,
        };
        let (anchor, trusted_by) = match (self.fingerprint, remembered, &self.ca_file) {
            (Some(fp), _, _) => (Anchor::Pinned(fp), TrustedBy::Pin(fp)),
            (None, Some(fp), _) => (Anchor::Pinned(fp), TrustedBy::KnownServer(fp)),
            (None, None, Some(path)) => (
                Anchor::WebPki(Some(webpki(Arc::new(ca_roots(path)?))?)),
                TrustedBy::CaFile(path.clone()),
            ),
            (None, None, None) => {
                let roots = system_roots();
                let verifier = match roots.is_empty() {
                    true => None,
                    false => Some(webpki(roots)?),
                };
                (Anchor::WebPki(verifier), TrustedBy::System)
            }
        };
        let verifier = TrustVerifier {
            anchor,
            algorithms: provider().signature_verification_algorithms,
        };
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
        Ok(TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
            name,
            trusted_by,
        })
    }
}

fn webpki(roots: Arc<RootCertStore>) -> Result<Arc<WebPkiServerVerifier>, TrustSetupError> {
    WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .map_err(|e| TrustSetupError::Config(rustls::Error::General(e.to_string())))
}

/// The authorities in a PEM file.
fn ca_roots(path: &std::path::Path) -> Result<RootCertStore, TrustSetupError> {
    let bytes = pem::read(path).map_err(|e| TrustSetupError::CaFileUnreadable {
        path: path.to_owned(),
        source: match e {
            pem::CertError::Unreadable { source, .. } => source,
            _ => io::Error::from(io::ErrorKind::NotFound),
        },
    })?;
    let empty = |detail| TrustSetupError::CaFileEmpty {
        path: path.to_owned(),
        detail,
    };
    let mut roots = RootCertStore::empty();
    let (added, _ignored) =
        roots.add_parsable_certificates(pem::parse_chain(&bytes).map_err(empty)?);
    if added == 0 {
        return Err(empty(Some("no certificate parses as an authority".into())));
    }
    Ok(roots)
}

/// The system's trust store, read once per process.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            Arc::new(roots)
        })
        .clone()
}
