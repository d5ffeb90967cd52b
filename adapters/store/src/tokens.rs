//! API tokens: name, scope, SHA-256, creation and last-use times. The token itself is never
//! stored.

use psmonitor_core::auth::api_token::{ApiToken, TokenScope};
use rusqlite::{ErrorCode, params};

use crate::{Store, StoreError};

/// One stored token, as `token list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    /// The token's name and hash and scope.
    pub token: ApiToken,
    /// Creation time, unix seconds.
    pub created: i64,
    /// Last use, unix seconds, if ever used.
    pub last_used: Option<i64>,
}

impl Store {
    /// Stores a new token's hash; a name already taken is refused.
    pub fn create_token(&mut self, token: &ApiToken, created: i64) -> Result<(), StoreError> {
        let result = self.conn.execute(
            "INSERT INTO api_tokens (name, hash, scope, created) VALUES (?1, ?2, ?3, ?4)",
            params![token.name, &token.hash[..], token.scope.as_str(), created],
        );
        match result {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(StoreError::TokenExists(token.name.clone()))
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    /// Every token, by name.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, hash, scope, created, last_used FROM api_tokens ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, hash, scope, created, last_used) = row?;
            let hash: [u8; 32] = hash
                .try_into()
                .map_err(|_| StoreError::Inconsistent("token hash is not 32 bytes"))?;
            let scope =
                TokenScope::parse(&scope).ok_or(StoreError::Inconsistent("unknown token scope"))?;
            out.push(TokenRow {
                token: ApiToken { name, scope, hash },
                created,
                last_used,
            });
        }
        Ok(out)
    }

    /// Deletes the token called `name`.
    pub fn revoke_token(&mut self, name: &str) -> Result<(), StoreError> {
        match self
            .conn
            .execute("DELETE FROM api_tokens WHERE name = ?1", [name])?
        {
            0 => Err(StoreError::NoSuchToken(name.to_owned())),
            _ => Ok(()),
        }
    }

    /// Records that the token called `name` was used at `at` (unix seconds).
    pub fn touch_token(&mut self, name: &str, at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE api_tokens SET last_used = ?2 WHERE name = ?1",
            params![name, at],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use psmonitor_core::auth::api_token::new_token;

    use super::*;

    #[test]
    fn create_list_touch_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let made = new_token(&[4; 32]);
        let token = ApiToken {
            name: "prom".into(),
            scope: TokenScope::Metrics,
            hash: made.hash,
        };
        store.create_token(&token, 100).unwrap();
        let again = ApiToken {
            hash: [1; 32],
            ..token.clone()
        };
        assert!(matches!(
            store.create_token(&again, 5),
            Err(StoreError::TokenExists(n)) if n == "prom"
        ));
        store.touch_token("prom", 200).unwrap();
        let rows = store.tokens().unwrap();
        assert_eq!(
            rows,
            [TokenRow {
                token,
                created: 100,
                last_used: Some(200)
            }]
        );
        store.revoke_token("prom").unwrap();
        assert!(store.tokens().unwrap().is_empty());
        assert!(matches!(
            store.revoke_token("prom"),
            Err(StoreError::NoSuchToken(_))
        ));
        drop(store);
        // Only the hash reached the file.
        let bytes = std::fs::read(dir.path().join(crate::DB_FILE_NAME)).unwrap();
        let secret = made.secret.as_bytes();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }
}
