//! Accounts, password hashing and verification, and access tokens (HS256 JWT).
//!
//! Everything here is a pure function of its arguments: salts, passwords and secrets come in as
//! bytes, and the wall clock is a parameter of token issue and validation.

mod token;
mod verify;

use std::fmt;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

pub mod api_token;
pub use token::{
    AccessToken, Claims, IssueError, RefreshError, TokenError, issue_token, refresh_token,
    validate_bearer,
};
pub use verify::verify_password;

/// The login name of the account made on first run.
pub const DEFAULT_USERNAME: &str = "PSMonitor";

/// The 256-bit key that signs access tokens; kept in the store so tokens survive a restart.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(pub [u8; 32]);

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(<redacted>)")
    }
}

/// The server's one account, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The user id (UUID v4, hyphenated lowercase); the `sub` of its tokens.
    pub user_id: String,
    /// The login name, `PSMonitor` by default.
    pub username: String,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
    /// The key that signs this server's tokens.
    pub jwt_secret: JwtSecret,
}

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for Argon2Params {
    /// The production cost: 19 MiB, 2 passes, 1 lane (OWASP's argon2id minimum).
    fn default() -> Self {
        Self {
            m_kib: 19 * 1024,
            t: 2,
            p: 1,
        }
    }
}

impl Argon2Params {
    /// A deliberately cheap cost for tests only: 64 KiB, 1 pass, 1 lane.
    #[must_use]
    pub fn testing() -> Self {
        Self {
            m_kib: 64,
            t: 1,
            p: 1,
        }
    }
}

/// A plain-text password; zeroed on drop and redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password given as text.
    #[must_use]
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The password's text, for showing it once or hashing it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The random bytes first-run account creation needs; the adapter reads them from the OS.
#[derive(Clone)]
pub struct AccountEntropy {
    /// Becomes the UUID v4 user id.
    pub user_id: [u8; 16],
    /// Becomes the generated password (43 base64url characters).
    pub password: [u8; 32],
    /// The argon2 salt.
    pub salt: [u8; 16],
    /// The token signing key.
    pub jwt_secret: [u8; 32],
}

impl fmt::Debug for AccountEntropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountEntropy(<redacted>)")
    }
}

/// A freshly made account and its password in clear, to be shown once.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// The account to store.
    pub account: Account,
    /// The password in clear.
    pub password: Password,
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The password is empty.
    #[error("password is empty")]
    EmptyPassword,
    /// The cost parameters are out of argon2's range.
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    /// The salt or hashing was rejected.
    #[error("argon2 hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
}

/// Makes the first-run account: user `PSMonitor`, a UUID v4 id and a generated password, unless
/// `given` (e.g. `PSMONITOR_PASSWORD`) supplies one.
pub fn create_account(
    entropy: &AccountEntropy,
    given: Option<Password>,
    params: Argon2Params,
) -> Result<NewAccount, HashError> {
    let user_id = uuid::Builder::from_random_bytes(entropy.user_id)
        .into_uuid()
        .hyphenated()
        .to_string();
    let password = match given {
        Some(password) => password,
        None => Password::new(URL_SAFE_NO_PAD.encode(entropy.password)),
    };
    let password_hash = hash_password(password.expose(), &entropy.salt, params)?;
    Ok(NewAccount {
        account: Account {
            user_id,
            username: DEFAULT_USERNAME.to_owned(),
            password_hash,
            jwt_secret: JwtSecret(entropy.jwt_secret),
        },
        password,
    })
}

/// Hashes `password` with argon2id into a PHC string (for first run and credential resets).
pub fn hash_password(
    password: &str,
    salt: &[u8],
    params: Argon2Params,
) -> Result<String, HashError> {
    if password.is_empty() {
        return Err(HashError::EmptyPassword);
    }
    let params = Params::new(params.m_kib, params.t, params.p, None).map_err(HashError::Params)?;
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    let hasher = Argon2::new(algorithm, version, params.clone());
    let mut out = Zeroizing::new([0u8; Params::DEFAULT_OUTPUT_LEN]);
    let hash = (|| {
        let salt = Salt::new(salt)?;
        verify::hash_into(&hasher, password, &salt, &mut out[..])?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(Output::new(&out[..])?),
        })
    })()
    .map_err(HashError::Hash)?;
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entropy() -> AccountEntropy {
        AccountEntropy {
            user_id: [0xAB; 16],
            password: [7; 32],
            salt: [9; 16],
            jwt_secret: [3; 32],
        }
    }

    #[test]
    fn first_run_account_has_v4_uuid_and_43_char_password() {
        let made = create_account(&entropy(), None, Argon2Params::testing()).unwrap();
        let id = uuid::Uuid::parse_str(&made.account.user_id).unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(made.account.user_id.len(), 36);
        assert_eq!(made.account.username, "PSMonitor");
        assert_eq!(made.password.expose().len(), 43);
        assert!(!made.password.expose().contains('='));
        assert!(
            made.account
                .password_hash
                .starts_with("$argon2id$v=19$m=64,t=1,p=1$")
        );
        assert!(verify_password(
            &made.account.password_hash,
            made.password.expose()
        ));
        assert_eq!(made.account.jwt_secret, JwtSecret([3; 32]));
    }

    #[test]
    fn given_password_replaces_generated_one() {
        let given = Password::new("correct horse".to_owned());
        let made = create_account(&entropy(), Some(given), Argon2Params::testing()).unwrap();
        assert_eq!(made.password.expose(), "correct horse");
        assert!(verify_password(
            &made.account.password_hash,
            "correct horse"
        ));
        let generated = URL_SAFE_NO_PAD.encode([7u8; 32]);
        assert!(!verify_password(&made.account.password_hash, &generated));
    }

    #[test]
    fn wrong_password_and_malformed_phc_are_false() {
        let phc = hash_password("secret", &[1; 16], Argon2Params::testing()).unwrap();
        assert!(verify_password(&phc, "secret"));
        assert!(!verify_password(&phc, "secreT"));
        assert!(!verify_password("", "secret"));
        assert!(!verify_password("$argon2id$v=19$garbage", "secret"));
        assert!(!verify_password("not a phc string at all", "secret"));
    }

    #[test]
    fn the_phc_string_is_the_one_argon2_itself_makes() {
        use argon2::PasswordHasher as _;
        for (password, salt) in [("right horse", [5u8; 16]), ("é ü \u{1f511}", [0xfe; 16])] {
            let ours = hash_password(password, &salt, Argon2Params::testing()).unwrap();
            let p = Argon2Params::testing();
            let theirs = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(p.m_kib, p.t, p.p, None).unwrap(),
            )
            .hash_password_with_salt(password.as_bytes(), &salt)
            .unwrap()
            .to_string();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn production_params_are_the_owasp_minimum() {
        let p = Argon2Params::default();
        assert_eq!((p.m_kib, p.t, p.p), (19456, 2, 1));
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        assert!(matches!(
            hash_password("", &[1; 16], Argon2Params::testing()),
            Err(HashError::EmptyPassword)
        ));
        let tiny = Argon2Params {
            m_kib: 1,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            hash_password("x", &[1; 16], tiny),
            Err(HashError::Params(_))
        ));
        assert!(matches!(
            hash_password("x", &[1; 2], Argon2Params::testing()),
            Err(HashError::Hash(_))
        ));
    }

    #[test]
    fn secrets_redact_themselves() {
        let made = create_account(&entropy(), None, Argon2Params::testing()).unwrap();
        let shown = format!("{made:?} {:?}", entropy());
        assert!(!shown.contains(made.password.expose()));
        assert!(shown.contains("<redacted>"));
    }
}
