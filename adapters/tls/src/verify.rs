//! The client's certificate check: a pinned fingerprint, else full webpki verification, with
//! failures carrying the presented certificate's fingerprint as a typed [`TrustError`].

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::fingerprint::Fingerprint;

/// Why a server's certificate was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// Nothing vouches for the certificate: no pin, and the CA file or system store refused it.
    #[error("the server's certificate is not trusted ({reason}); its fingerprint is {fingerprint}")]
    Untrusted {
        /// SHA-256 of the certificate the server presented.
        fingerprint: Fingerprint,
        /// What the verification found.
        reason: UntrustedReason,
    },
    /// The server presented a different certificate from the pinned one.
    #[error(
        "the server's certificate changed: expected fingerprint {expected}, the server presented {actual}"
    )]
    CertificateChanged {
        /// The pinned fingerprint.
        expected: Fingerprint,
        /// SHA-256 of the certificate the server presented.
        actual: Fingerprint,
    },
}

/// What webpki verification found wrong with a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UntrustedReason {
    /// Not signed by a trusted authority (self-signed, or from a CA not in the trust store).
    UnknownIssuer,
    /// Past its expiry date.
    Expired,
    /// Before its start date.
    NotValidYet,
    /// Made for another host name or address.
    WrongName,
    /// Revoked by its issuer.
    Revoked,
    /// Anything else, as rustls described it.
    Other(String),
}

impl fmt::Display for UntrustedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UntrustedReason::UnknownIssuer => f.write_str("issued by an unknown authority"),
            UntrustedReason::Expired => f.write_str("expired"),
            UntrustedReason::NotValidYet => f.write_str("not valid yet"),
            UntrustedReason::WrongName => f.write_str("made for another name"),
            UntrustedReason::Revoked => f.write_str("revoked"),
            UntrustedReason::Other(what) => f.write_str(what),
        }
    }
}

impl From<&CertificateError> for UntrustedReason {
    fn from(e: &CertificateError) -> Self {
        match e {
            CertificateError::UnknownIssuer => UntrustedReason::UnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                UntrustedReason::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                UntrustedReason::NotValidYet
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                UntrustedReason::WrongName
            }
            CertificateError::Revoked => UntrustedReason::Revoked,
            other => UntrustedReason::Other(Error::InvalidCertificate(other.clone()).to_string()),
        }
    }
}

/// The [`TrustError`] behind a failed TLS handshake, if that is why it failed.
///
/// futures-rustls reports handshake failures as an `io::Error` wrapping the `rustls::Error`
/// the verifier returned; this finds the typed error inside it.
pub fn trust_error(e: &io::Error) -> Option<TrustError> {
    let rustls = e.get_ref()?.downcast_ref::<Error>()?;
    match rustls {
        Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) => {
            inner.downcast_ref::<TrustError>().cloned()
        }
        _ => None,
    }
}

/// How the server's certificate is trusted.
#[derive(Debug)]
pub(crate) enum Anchor {
    /// Exactly this certificate, whatever its names and dates.
    Pinned(Fingerprint),
    /// Full webpki verification against roots; `None` when there are no roots at all.
    WebPki(Option<Arc<WebPkiServerVerifier>>),
}

/// The verifier of every client connection.
#[derive(Debug)]
pub(crate) struct TrustVerifier {
    pub(crate) anchor: Anchor,
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
}

fn refuse(error: TrustError) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(error))))
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let actual = Fingerprint::of(end_entity);
        let untrusted = |reason| {
            refuse(TrustError::Untrusted {
                fingerprint: actual,
                reason,
            })
        };
        match &self.anchor {
            Anchor::Pinned(expected) if *expected == actual => Ok(ServerCertVerified::assertion()),
            Anchor::Pinned(expected) => Err(refuse(TrustError::CertificateChanged {
                expected: *expected,
                actual,
            })),
            Anchor::WebPki(None) => Err(untrusted(UntrustedReason::UnknownIssuer)),
            Anchor::WebPki(Some(webpki)) => webpki
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map_err(|e| match &e {
                    Error::InvalidCertificate(ce) => untrusted(ce.into()),
                    _ => e,
                }),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
