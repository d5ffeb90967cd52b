//! The one account and its JWT secret: read, create (one transaction), change the password hash.

use std::path::Path;

use psmonitor_core::auth::{Account, JwtSecret};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::{Store, StoreError};

/// The `secrets` row that holds the token signing key.
const JWT_SECRET: &str = "jwt";

/// What [`Store::ensure_account`] found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    /// The account was already there.
    Existing(Account),
    /// There was none; this one was made and committed just now (a first run).
    Created(Account),
}

impl Ensured {
    /// The account, whether found or made.
    pub fn account(&self) -> &Account {
        match self {
            Ensured::Existing(a) | Ensured::Created(a) => a,
        }
    }

    /// Whether the account was made by this call.
    #[must_use]
    pub fn created(&self) -> bool {
        matches!(self, Ensured::Created(_))
    }
}

/// Why [`Store::ensure_account`] or [`Store::open_or_init`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EnsureError<E: std::error::Error + 'static> {
    /// Opening, reading or writing the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The caller's `make` failed; nothing was written.
    #[error("cannot make the first account: {0}")]
    Make(#[source] E),
}

impl Store {
    /// Opens the store and, on a first run (no account), creates one from `make` in one transaction.
    pub fn open_or_init<E: std::error::Error + 'static>(
        data_dir: &Path,
        make: impl FnOnce() -> Result<Account, E>,
    ) -> Result<(Store, Ensured), EnsureError<E>> {
        let mut store = Store::open(data_dir)?;
        let ensured = store.ensure_account(make)?;
        Ok((store, ensured))
    }

    /// Returns the account, creating it from `make` if there is none; `make` runs only then.
    pub fn ensure_account<E: std::error::Error + 'static>(
        &mut self,
        make: impl FnOnce() -> Result<Account, E>,
    ) -> Result<Ensured, EnsureError<E>> {
        if let Some(account) = self.account()? {
            return Ok(Ensured::Existing(account));
        }
        let account = make().map_err(EnsureError::Make)?;
        match self.create_account(&account) {
            Ok(()) => Ok(Ensured::Created(account)),
            // Another process won the race: theirs is the account.
            Err(StoreError::AccountExists) => match self.account()? {
                Some(theirs) => Ok(Ensured::Existing(theirs)),
                None => Err(StoreError::Inconsistent("account vanished after a conflict").into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The account with its JWT secret, or `None` before the first run has completed.
    pub fn account(&self) -> Result<Option<Account>, StoreError> {
        // One read transaction, so the user row and the secret are from the same commit.
        let tx = self.conn.unchecked_transaction()?;
        let mut stmt = tx
            .prepare("SELECT user_id, username, password_hash FROM users ORDER BY rowid LIMIT 2")?;
        let mut users = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<(String, String, String)>, _>>()?;
        drop(stmt);
        if users.len() > 1 {
            return Err(StoreError::Inconsistent("more than one account"));
        }
        let Some((user_id, username, password_hash)) = users.pop() else {
            return Ok(None);
        };
        let secret: Option<Vec<u8>> = tx
            .query_row(
                "SELECT value FROM secrets WHERE name = ?1",
                [JWT_SECRET],
                |r| r.get(0),
            )
            .optional()?;
        let secret = secret.ok_or(StoreError::Inconsistent("the account has no jwt secret"))?;
        let secret: [u8; 32] = secret
            .try_into()
            .map_err(|_| StoreError::Inconsistent("the jwt secret is not 32 bytes"))?;
        Ok(Some(Account {
            user_id,
            username,
            password_hash,
            jwt_secret: JwtSecret(secret),
        }))
    }

    /// Stores the account and its JWT secret in one transaction; `AccountExists` if there is one.
    pub fn create_account(&mut self, account: &Account) -> Result<(), StoreError> {
        check("user_id", &account.user_id)?;
        check("username", &account.username)?;
        check_phc(&account.password_hash)?;
        // Immediate: take the write lock before looking, so two first runs cannot both insert.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?;
        if exists {
            return Err(StoreError::AccountExists);
        }
        tx.execute(
            "INSERT INTO users (user_id, username, password_hash) VALUES (?1, ?2, ?3)",
            params![account.user_id, account.username, account.password_hash],
        )?;
        // A secret left without a user (only possible by hand) is replaced, never reused.
        tx.execute(
            "INSERT INTO secrets (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![JWT_SECRET, &account.jwt_secret.0[..]],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the password hash of `user_id` (for `credentials reset`); the JWT secret is kept.
    pub fn set_password_hash(&mut self, user_id: &str, phc: &str) -> Result<(), StoreError> {
        check_phc(phc)?;
        let changed = self.conn.execute(
            "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
            params![user_id, phc],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchUser {
                user_id: user_id.to_owned(),
            });
        }
        Ok(())
    }
}

impl Store {
    /// Replaces the password hash of `user_id` and the token-signing key in one transaction
    /// (`credentials reset`): every JWT signed before stops working. With `revoke_tokens`
    /// (`--revoke-tokens`) every API token is deleted in the same transaction; returns how many.
    pub fn reset_credentials(
        &mut self,
        user_id: &str,
        phc: &str,
        jwt_secret: &JwtSecret,
        revoke_tokens: bool,
    ) -> Result<usize, StoreError> {
        check_phc(phc)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
            params![user_id, phc],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchUser {
                user_id: user_id.to_owned(),
            });
        }
        tx.execute(
            "UPDATE secrets SET value = ?2 WHERE name = ?1",
            params![JWT_SECRET, &jwt_secret.0[..]],
        )?;
        let revoked = if revoke_tokens {
            tx.execute("DELETE FROM api_tokens", [])?
        } else {
            0
        };
        tx.commit()?;
        Ok(revoked)
    }

    /// A number that changes whenever another connection commits to the database (SQLite's
    /// `data_version`): a cheap way for a running server to notice a reset or a revocation. The
    /// statement is prepared once per connection: the server asks every second.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?)
    }
}

/// Refuses an empty field.
fn check(field: &'static str, value: &str) -> Result<(), StoreError> {
    if value.is_empty() {
        return Err(StoreError::Invalid { field });
    }
    Ok(())
}

/// Refuses a password hash that is not a PHC string (`$alg$...`).
fn check_phc(phc: &str) -> Result<(), StoreError> {
    if !phc.starts_with('$') || phc.len() < 2 {
        return Err(StoreError::Invalid {
            field: "password_hash",
        });
    }
    Ok(())
}
