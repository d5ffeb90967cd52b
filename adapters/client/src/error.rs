//! [`ClientError`]: why a call to the server failed, and whether retrying can help.

use std::time::Duration;

use psmonitor_tls::{Fingerprint, UntrustedReason};

/// The start of every [`ClientError::Protocol`] message about a server URL that cannot be used.
pub const INVALID_URL: &str = "invalid server url";

/// Why a call to a PSMonitor server failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server refused the username or password (401 from `/authenticate`).
    #[error("the server refused the username or password")]
    BadCredentials,
    /// Too many failed logins from this address (429); try again after `retry_after`.
    #[error("too many attempts: the server asks to retry in {}s", retry_after.as_secs_f64().ceil())]
    RateLimited {
        /// How long the server asks to wait.
        retry_after: Duration,
    },
    /// The server could not check the password yet: too many logins wait (503 from
    /// `/authenticate`). The credentials were not judged; retry after `retry_after`.
    #[error("the server is busy checking other logins: retrying in {}s", retry_after.as_secs_f64().ceil())]
    Busy {
        /// How long the server asks to wait.
        retry_after: Duration,
    },
    /// No answer: connection refused, name not resolved, timeout, reset before a response.
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// An answer we cannot use: unexpected status, body or frame, invalid URL, websocket closed.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server's TLS certificate is not trusted: no pin, and the CA file or system store
    /// refused it. Pinning `fingerprint` (after checking it on the server) trusts it.
    #[error("the server's certificate is not trusted ({reason}); its fingerprint is {fingerprint}")]
    Untrusted {
        /// SHA-256 of the certificate the server presented.
        fingerprint: Fingerprint,
        /// What the verification found.
        reason: UntrustedReason,
    },
    /// The server presented another certificate than the pinned one.
    #[error(
        "the server's certificate changed: expected fingerprint {expected}, the server presented {actual}"
    )]
    CertificateChanged {
        /// The pinned fingerprint.
        expected: Fingerprint,
        /// SHA-256 of the certificate the server presented.
        actual: Fingerprint,
    },
    /// The TLS settings cannot be used: unreadable CA file, broken known-servers file.
    #[error("tls settings: {0}")]
    TlsSetup(String),
}

impl ClientError {
    /// True when retrying cannot help: bad credentials, an invalid server URL, a certificate
    /// that is not trusted or changed, or unusable TLS settings.
    pub fn is_fatal(&self) -> bool {
        match self {
            ClientError::BadCredentials
            | ClientError::Untrusted { .. }
            | ClientError::CertificateChanged { .. }
            | ClientError::TlsSetup(_) => true,
            ClientError::Protocol(message) => message.starts_with(INVALID_URL),
            _ => false,
        }
    }

    /// A protocol error about the server URL; [`ClientError::is_fatal`] is true for it.
    pub(crate) fn invalid_url(why: impl std::fmt::Display) -> Self {
        ClientError::Protocol(format!("{INVALID_URL}: {why}"))
    }

    /// An unreachable error from anything printable.
    pub(crate) fn unreachable(what: impl std::fmt::Display) -> Self {
        ClientError::Unreachable(what.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_credentials_and_urls_are_fatal() {
        assert!(ClientError::BadCredentials.is_fatal());
        assert!(ClientError::invalid_url("no host").is_fatal());
        assert!(!ClientError::Protocol("closed: going away".into()).is_fatal());
        assert!(!ClientError::Unreachable("refused".into()).is_fatal());
        let fp = Fingerprint::of(b"cert");
        let untrusted = ClientError::Untrusted {
            fingerprint: fp,
            reason: UntrustedReason::UnknownIssuer,
        };
        assert!(untrusted.is_fatal());
        assert!(untrusted.to_string().contains(&fp.to_string()));
        let changed = ClientError::CertificateChanged {
            expected: Fingerprint::of(b"old"),
            actual: fp,
        };
        assert!(changed.is_fatal());
        assert!(ClientError::TlsSetup("no ca file".into()).is_fatal());
        let limited = ClientError::RateLimited {
            retry_after: Duration::from_secs(3),
        };
        assert!(!limited.is_fatal());
        assert_eq!(
            limited.to_string(),
            "too many attempts: the server asks to retry in 3s"
        );
    }
}
