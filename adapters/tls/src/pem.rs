//! Reading a certificate chain and its private key from PEM files, with errors that say what to do.

use std::io;
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate or key could not be loaded, made or saved.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A file named by the operator does not exist.
    #[error("{}: no such file: check --tls-cert and --tls-key (both PEM files)", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// A file exists but cannot be read.
    #[error("cannot read {}: {source} (the server must be able to read it)", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The certificate file holds no PEM `CERTIFICATE` block, or a broken one.
    #[error(
        "{}: no PEM certificate in it{}: --tls-cert wants a file that starts with \
         -----BEGIN CERTIFICATE----- (the full chain, server certificate first)",
        path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// What the PEM parser said, if anything.
        detail: Option<String>,
    },
    /// The key file holds no PEM private key (PKCS#8, PKCS#1 or SEC1), or a broken one.
    #[error(
        "{}: no PEM private key in it{}: --tls-key wants the unencrypted key that starts with \
         -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)",
        path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    NoKey {
        /// The file.
        path: PathBuf,
        /// What the PEM parser said, if anything.
        detail: Option<String>,
    },
    /// The key is not usable or does not belong to the certificate.
    #[error(
        "the key in {} does not fit the certificate in {}: {source} (pass the key that was made \
         with this certificate, and the server certificate first in the chain)",
        key.display(), cert.display()
    )]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        source: rustls::Error,
    },
    /// Only one of the two files of the self-signed certificate exists.
    #[error(
        "{} exists but {} does not: remove {} to make a new self-signed certificate \
         (clients that pinned the old one will have to accept the new fingerprint)",
        present.display(), absent.display(), present.display()
    )]
    HalfPair {
        /// The file that exists.
        present: PathBuf,
        /// The file that is missing.
        absent: PathBuf,
    },
    /// No self-signed certificate was made yet in this data directory.
    #[error(
        "no certificate in {}: the server makes one on its first start with TLS \
         (psmonitor serve --tls on), or pass --tls-cert/--tls-key",
        dir.display()
    )]
    NotCreated {
        /// The `<data-dir>/tls` directory.
        dir: PathBuf,
    },
    /// Making the self-signed certificate failed.
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// Writing the self-signed certificate or its directory failed.
    #[error("cannot write {}: {source} (is the data directory writable?)", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// Reads a whole file, telling a missing file from an unreadable one.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, CertError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => CertError::Missing {
            path: path.to_owned(),
        },
        _ => CertError::Unreadable {
            path: path.to_owned(),
            source,
        },
    })
}

/// Every certificate in the PEM file at `path`, in order (server certificate first).
pub fn load_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, CertError> {
    let bytes = read(path)?;
    parse_chain(&bytes).map_err(|detail| CertError::NoCertificate {
        path: path.to_owned(),
        detail,
    })
}

/// The certificates of a PEM text; `Err(detail)` when there are none or one is broken.
pub(crate) fn parse_chain(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, Option<String>> {
    let chain = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Some(e.to_string()))?;
    match chain.is_empty() {
        true => Err(None),
        false => Ok(chain),
    }
}

/// The private key in the PEM file at `path`.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, CertError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| CertError::NoKey {
        path: path.to_owned(),
        detail: match e {
            rustls_pki_types::pem::Error::NoItemsFound => None,
            other => Some(other.to_string()),
        },
    })
}
