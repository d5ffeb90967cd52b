//! [`Fingerprint`]: the SHA-256 of a DER certificate, written like `openssl x509 -fingerprint -sha256`.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::digest;

/// The SHA-256 digest of a certificate's DER bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of the DER-encoded certificate `der`.
    pub fn of(der: &[u8]) -> Self {
        let digest = digest::digest(&digest::SHA256, der);
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Fingerprint {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Fingerprint {
    /// 32 upper-case hex pairs joined by `:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a text is not a SHA-256 fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid certificate fingerprint {text:?}: {why}; expected 64 hex digits (SHA-256), \
     with or without colons, e.g. as printed by `psmonitor tls fingerprint`"
)]
pub struct ParseFingerprintError {
    /// The text that was given (shortened).
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl FromStr for Fingerprint {
    type Err = ParseFingerprintError;

    /// Accepts any case, with colons between every pair or none at all.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let fail = |why| ParseFingerprintError {
            text: trimmed.chars().take(120).collect(),
            why,
        };
        let hex: String = if trimmed.contains(':') {
            let pairs: Vec<&str> = trimmed.split(':').collect();
            if pairs.iter().any(|p| p.len() != 2) {
                return Err(fail("colons must separate pairs of hex digits"));
            }
            pairs.concat()
        } else {
            trimmed.to_owned()
        };
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail("it contains a character that is not a hex digit"));
        }
        if hex.len() != 64 {
            return Err(fail("it does not have 32 bytes"));
        }
        let mut bytes = [0; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| fail("it contains a character that is not a hex digit"))?;
        }
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf abc | openssl dgst -sha256`.
    const ABC: &str = "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:\
                       B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";

    #[test]
    fn digests_and_prints_like_openssl() {
        let fp = Fingerprint::of(b"abc");
        assert_eq!(fp.to_string(), ABC);
        assert_eq!(fp.to_string().len(), 32 * 3 - 1);
    }

    #[test]
    fn parses_every_accepted_form() {
        let fp = Fingerprint::of(b"abc");
        let lower = ABC.to_ascii_lowercase();
        let bare = ABC.replace(':', "");
        let mixed: String = bare
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect();
        for text in [
            ABC.to_owned(),
            lower.clone(),
            bare.clone(),
            bare.to_ascii_lowercase(),
            mixed,
            format!("  {ABC}\n"),
        ] {
            assert_eq!(text.parse::<Fingerprint>(), Ok(fp), "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_fingerprint() {
        let bare = ABC.replace(':', "");
        for bad in [
            String::new(),
            "AB:CD".to_owned(),
            bare[..62].to_owned(),
            format!("{bare}00"),
            format!("{}ZZ", &bare[..62]),
            format!("{}:", ABC),
            ABC.replacen(':', "::", 1),
            ABC.replacen(':', "", 1),
            ABC.replace(':', "-"),
            format!("sha256 {bare}"),
            "é".repeat(32),
        ] {
            let err = bad.parse::<Fingerprint>().unwrap_err();
            assert!(err.to_string().contains("64 hex digits"), "{bad:?}: {err}");
        }
    }
}
