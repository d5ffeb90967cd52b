//! PSMonitor's TLS building blocks, on rustls with the aws-lc-rs provider (the tree's only one).
//!
//! Server side: [`ServerTls`] loads the operator's certificate or makes a self-signed one in
//! `<data-dir>/tls/`, hands out a [`TlsAcceptor`](futures_rustls::TlsAcceptor) per connection and
//! reloads on demand. Client side: [`ClientTrust`] turns a pinned [`Fingerprint`], a CA file or the
//! system store into a [`TlsClient`]; a refused certificate becomes a typed [`TrustError`] carrying
//! the fingerprint the server presented. [`KnownServers`] keeps the fingerprints a user accepted.
#![forbid(unsafe_code)]

mod fingerprint;
mod known;
mod pem;
mod self_signed;
mod server;
#[cfg(feature = "testing")]
pub mod testing;
mod trust;
mod verify;

use std::sync::Arc;

pub use fingerprint::{Fingerprint, ParseFingerprintError};
pub use futures_rustls;
pub use known::{KnownServers, KnownServersError};
pub use pem::{CertError, load_chain, load_key};
pub use self_signed::{CERT_FILE, KEY_FILE, TLS_DIR, fingerprint_in, self_signed_names, tls_dir};
pub use server::{ALPN_HTTP1, CertSource, ServerTls, looks_like_tls, server_config};
pub use trust::{ClientTrust, TlsClient, TrustSetupError, TrustedBy};
pub use verify::{TrustError, UntrustedReason, trust_error};

/// The crypto provider of every TLS configuration here: aws-lc-rs.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}
