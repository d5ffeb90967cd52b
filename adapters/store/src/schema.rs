//! The schema and its migrations, versioned by SQLite's `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

/// Migration `i` takes the schema from version `i` to `i + 1`; append, never edit.
const MIGRATIONS: &[&str] = &[
    // 1: the one account and the server's secrets (the JWT signing key).
    "CREATE TABLE users (
        user_id       TEXT PRIMARY KEY NOT NULL,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL
    ) STRICT;
    CREATE TABLE secrets (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) STRICT;",
    // 2: API tokens, kept as their SHA-256 only.
    "CREATE TABLE api_tokens (
        name      TEXT PRIMARY KEY NOT NULL,
        hash      BLOB NOT NULL UNIQUE,
        scope     TEXT NOT NULL CHECK (scope IN ('read', 'metrics')),
        created   INTEGER NOT NULL,
        last_used INTEGER
    ) STRICT;",
];

/// The newest schema version this build knows.
pub(crate) const CURRENT: u32 = MIGRATIONS.len() as u32;

/// What [`migrate`] found.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The schema is (now) at [`CURRENT`].
    Ready,
    /// The file has a newer schema than [`CURRENT`]; nothing was changed.
    Newer(u32),
}

/// Brings the schema up to [`CURRENT`] in one immediate transaction (safe against a concurrent opener).
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<Outcome> {
    if version(conn)? == CURRENT {
        return Ok(Outcome::Ready);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > CURRENT {
        return Ok(Outcome::Newer(found));
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", CURRENT)?;
    tx.commit()?;
    Ok(Outcome::Ready)
}

/// The schema version stored in the file (0 for a new, empty file).
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_an_empty_database_to_current() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(matches!(migrate(&mut conn).unwrap(), Outcome::Ready));
        assert_eq!(version(&conn).unwrap(), CURRENT);
        // A second run is a no-op, not a "table already exists" error.
        assert!(matches!(migrate(&mut conn).unwrap(), Outcome::Ready));
    }

    #[test]
    fn refuses_a_newer_schema_without_touching_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", CURRENT + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn).unwrap(), Outcome::Newer(v) if v == CURRENT + 1));
        assert_eq!(version(&conn).unwrap(), CURRENT + 1);
    }
}
