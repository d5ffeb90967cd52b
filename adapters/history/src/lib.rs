//! PSMonitor's history store: `<data-dir>/history.db` (SQLite, mode 0600) with every sample for
//! the raw retention and per-minute average, minimum and maximum for the rollup retention.
//!
//! [`HistoryStore`] is the synchronous store (tests drive it with a simulated clock);
//! [`HistoryWriter`] runs one on its own thread, batching writes to at most one transaction
//! every 10 s of samples, and answers queries through callbacks.
#![forbid(unsafe_code)]

mod codec;
mod open;
mod rollup;
mod store;
mod writer;

use std::path::PathBuf;

pub use open::{HISTORY_FILE_NAME, Lost, SCHEMA_VERSION};
pub use store::{HistoryStore, QueryError, Retention};
pub use writer::{BATCH_SECS, HistoryWriter, Reply, Wanted};

/// The chunk codec, for the fuzz targets (`fuzz-bodies/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::codec::{
        Chunk, Damaged, MAGIC, Merged, decode, encode, encode_v1, merge, merge_stored,
    };
}

/// Why the history file could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file could not be created, opened or renamed.
    #[error("cannot open history file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an SQLite database or is corrupt.
    #[error("history file {path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The file was written by a newer psmonitor; it is left untouched and history stays off.
    #[error(
        "{path} has history schema version {found}, newer than the {supported} this psmonitor supports; upgrade psmonitor (history is off until then)"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// Any other SQLite failure (disk full, i/o error).
    #[error("history database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
