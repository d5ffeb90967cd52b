//! The server's SQLite store: the one account and the JWT signing secret, in `psmonitor.db`.
//!
//! The file lives in a data directory of mode 0700 and is itself mode 0600; it runs in WAL mode, so a
//! second process (a `credentials reset` next to a running server) can open it at the same time.
//! The schema version is SQLite's `user_version`; the migrations are one list in `schema.rs`, each run
//! in one transaction.
#![forbid(unsafe_code)]

mod account;
mod data_dir;
mod open;
mod schema;
mod tokens;

use std::path::PathBuf;

pub use account::{EnsureError, Ensured};
pub use open::{DB_FILE_NAME, Store, enable_wal};
pub use tokens::TokenRow;

/// What can go wrong opening the store or reading and writing it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory does not exist and could not be created.
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        /// The directory we tried to create.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The data directory exists but is not ours, or others could replace it; nothing was written.
    #[error("refusing data directory {path}: {reason}")]
    UnsafeDataDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The database file could not be created, opened or given mode 0600.
    #[error("cannot open database file {path}: {source}")]
    File {
        /// The database file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The file is not an SQLite database, or it is corrupt; it was left untouched.
    #[error("{path} is not a psmonitor database or is corrupt (left untouched): {source}")]
    NotADatabase {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer psmonitor whose schema this build does not know.
    #[error(
        "{path} has schema version {found}, newer than the {supported} this psmonitor supports; upgrade psmonitor"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A field of the account to store is empty or malformed; nothing was written.
    #[error("invalid {field}: empty or not in the expected form")]
    Invalid {
        /// Which field.
        field: &'static str,
    },
    /// An account already exists; there is only one.
    #[error("an account already exists")]
    AccountExists,
    /// No account has the given user id.
    #[error("no account with user id {user_id}")]
    NoSuchUser {
        /// The user id asked for.
        user_id: String,
    },
    /// The rows are there but do not make a valid account (edited by hand, or damaged).
    #[error("inconsistent account data: {0}")]
    Inconsistent(&'static str),
    /// A token of that name exists already.
    #[error("a token named {0:?} already exists")]
    TokenExists(String),
    /// No token has that name.
    #[error("no token named {0:?}")]
    NoSuchToken(String),
    /// Any other SQLite failure (disk full, i/o error, locked for longer than the busy timeout).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
