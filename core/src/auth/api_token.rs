//! API tokens (DESIGN 5.3): `psm_` and 43 base64url characters (256 random bits), stored only as
//! their SHA-256, each with a name and a scope.
//!
//! A `read` token opens every read route (`/system`, `/network`, `/history`, `/history/series`,
//! `POST /worker`) and `/metrics`; a `metrics` token opens `/metrics` only. Lookups compare
//! SHA-256 digests, so the time they take says nothing useful about a token.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

/// What every API token starts with.
pub const PREFIX: &str = "psm_";
/// Characters after the prefix: 256 bits in unpadded base64url.
pub const SECRET_CHARS: usize = 43;

/// What a token may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    /// Every read route and `/metrics`.
    Read,
    /// `/metrics` only.
    Metrics,
}

impl TokenScope {
    /// The scope's name as stored and shown: `read` or `metrics`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Metrics => "metrics",
        }
    }

    /// Parses `read` or `metrics`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "metrics" => Some(Self::Metrics),
            _ => None,
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored token as the hub knows it: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// The name given at creation (unique).
    pub name: String,
    /// What it may open.
    pub scope: TokenScope,
    /// SHA-256 of the whole token text, `psm_` included.
    pub hash: [u8; 32],
}

/// A token just made: the text to show once, and its hash to store.
pub struct NewToken {
    /// The token text; shown once, never stored.
    pub secret: Zeroizing<String>,
    /// Its SHA-256.
    pub hash: [u8; 32],
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a token's text.
#[must_use]
pub fn hash_token(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Makes a token from 32 secret random bytes.
#[must_use]
pub fn new_token(entropy: &[u8; 32]) -> NewToken {
    let secret = Zeroizing::new(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(entropy)));
    let hash = hash_token(&secret);
    NewToken { secret, hash }
}

/// Whether a bearer credential has the shape of an API token (rather than a JWT).
#[must_use]
pub fn is_api_token(credential: &str) -> bool {
    credential.starts_with(PREFIX)
}

/// Whether `name` is usable as a token name: 1 to 64 of letters, digits, `-`, `_` and `.`.
#[must_use]
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_psm_and_43_base64url_chars_and_hash_with_sha256() {
        let t = new_token(&[0xfb; 32]);
        assert!(t.secret.starts_with("psm_"));
        assert_eq!(t.secret.len(), 4 + SECRET_CHARS);
        assert!(
            t.secret[4..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(t.hash, hash_token(&t.secret));
        assert_ne!(new_token(&[1; 32]).hash, t.hash);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let abc = hash_token("abc");
        assert_eq!(abc[..4], [0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(abc[28..], [0xf2, 0x00, 0x15, 0xad]);
        assert!(!format!("{t:?}").contains("psm_"));
    }

    #[test]
    fn scopes_and_names() {
        assert_eq!(TokenScope::parse("read"), Some(TokenScope::Read));
        assert_eq!(TokenScope::parse("metrics"), Some(TokenScope::Metrics));
        assert_eq!(TokenScope::parse("admin"), None);
        assert_eq!(TokenScope::Metrics.to_string(), "metrics");
        assert!(valid_name("prometheus-1.main_x"));
        for bad in ["", "a b", "x/y", &"n".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert!(is_api_token("psm_abc") && !is_api_token("eyJ.x.y"));
    }
}
