//! [`ClientError`]: why a call to the server failed, and whether retrying can help.

use std::time::Duration;

use psmonitor_tls::TrustError;

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
    /// No answer: connection refused, name not resolved, timeout, reset before a response,
    /// a stream that ended or fell silent.
    #[error("cannot reach the server: {target}: {reason}")]
    Unreachable {
        /// What was being reached: the server's URL, or the request or websocket on it.
        target: String,
        /// What went wrong, e.g. `connection refused` or `no answer within 15s`.
        reason: String,
    },
    /// The configured server URL cannot be used; retrying cannot help.
    #[error("invalid server url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An unexpected HTTP status (e.g. 500, or 401 for a token that was just issued).
    #[error("unexpected status {status} from {what}: {message}")]
    Status {
        /// The request or websocket upgrade, e.g. `/system`.
        what: String,
        /// The HTTP status code.
        status: u16,
        /// The `error` text of the body, or the start of the body.
        message: String,
    },
    /// A body or stream frame that does not parse as what it should be.
    #[error("invalid {what}: {reason}")]
    InvalidBody {
        /// Whose body, e.g. `body from /system` or `stream frame`.
        what: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The websocket opened but its first message is not the server's greeting.
    #[error("unexpected greeting {0:?}")]
    UnexpectedGreeting(String),
    /// The server closed the stream with a close frame.
    #[error("server closed the stream: {}", match code {
        Some(code) => format!("{reason} (code {code})"),
        None => "no reason given".to_owned(),
    })]
    StreamClosed {
        /// The close code (e.g. 1001 going away, 1013 try again later); `None` without one.
        code: Option<u16>,
        /// The reason the server gave (empty without one).
        reason: String,
    },
    /// The TLS handshake with an `https://` server failed on data that is not TLS: the port
    /// probably serves plain HTTP.
    #[error(
        "tls handshake with {url} failed: {reason} (does the server speak https on that port?)"
    )]
    NotTls {
        /// The server's URL.
        url: String,
        /// What the TLS library said.
        reason: String,
    },
    /// Any other answer we cannot use: an invalid HTTP response, an unexpected websocket message.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server's TLS certificate was refused: nothing vouches for it (no pin, and the CA
    /// file or system store refused it), or it is not the pinned one. The [`TrustError`] carries
    /// the presented certificate's fingerprint.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The TLS settings cannot be used: unreadable CA file, broken known-servers file.
    #[error("tls settings: {0}")]
    TlsSetup(String),
}

impl ClientError {
    /// True when retrying cannot help: bad credentials, an invalid server URL, a certificate
    /// that is not trusted or changed, or unusable TLS settings.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ClientError::BadCredentials
                | ClientError::Trust(_)
                | ClientError::TlsSetup(_)
                | ClientError::InvalidUrl { .. }
        )
    }

    /// The error for an unusable server URL; [`ClientError::is_fatal`] is true for it.
    pub(crate) fn invalid_url(url: &str, reason: impl std::fmt::Display) -> Self {
        ClientError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// The error for `target` not answering, for `reason`.
    pub(crate) fn unreachable(
        target: impl std::fmt::Display,
        reason: impl std::fmt::Display,
    ) -> Self {
        ClientError::Unreachable {
            target: target.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The error for a body from `what` that does not parse.
    pub(crate) fn invalid_body(
        what: impl std::fmt::Display,
        reason: impl std::fmt::Display,
    ) -> Self {
        ClientError::InvalidBody {
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use psmonitor_tls::{Fingerprint, UntrustedReason};

    use super::*;

    #[test]
    fn only_credentials_and_urls_are_fatal() {
        assert!(ClientError::BadCredentials.is_fatal());
        assert!(ClientError::invalid_url("x", "no host").is_fatal());
        assert!(!ClientError::Protocol("closed: going away".into()).is_fatal());
        assert!(!ClientError::unreachable("http://x", "refused").is_fatal());
        let closed = ClientError::StreamClosed {
            code: Some(1001),
            reason: "going away".into(),
        };
        assert!(!closed.is_fatal());
        assert_eq!(
            closed.to_string(),
            "server closed the stream: going away (code 1001)"
        );
        let fp = Fingerprint::of(b"cert");
        let untrusted = ClientError::from(TrustError::Untrusted {
            fingerprint: fp,
            reason: UntrustedReason::UnknownIssuer,
        });
        assert!(untrusted.is_fatal());
        assert!(untrusted.to_string().contains(&fp.to_string()));
        let changed = ClientError::from(TrustError::CertificateChanged {
            expected: Fingerprint::of(b"old"),
            actual: fp,
        });
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
