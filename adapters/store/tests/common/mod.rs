//! Shared helpers for the store's scenario tests.
#![allow(dead_code)]

use psmonitor_core::auth::{Account, JwtSecret};

/// A valid account whose fields all derive from `n`, so two accounts differ everywhere.
pub fn account(n: u8) -> Account {
    Account {
        user_id: format!("00000000-0000-4000-8000-0000000000{n:02x}"),
        username: format!("PSMonitor{n}"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${n}"),
        jwt_secret: JwtSecret([n; 32]),
    }
}
