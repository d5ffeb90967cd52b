//! Accounts, password hashing and verification, and access tokens (HS256 JWT).

use std::fmt;

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
