//! The collector's error type.

use std::path::PathBuf;

/// Why a sampler could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// A fixture file could not be read.
    #[error("cannot read fixture {}: {source}", path.display())]
    FixtureRead {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A fixture file is not a valid recording.
    #[error("invalid fixture {}: {source}", path.display())]
    FixtureJson {
        /// The file.
        path: PathBuf,
        /// Where and why parsing failed.
        #[source]
        source: serde_json::Error,
    },
    /// `sysinfo` could not be initialised on this host.
    #[error("cannot read this host through sysinfo: {0}")]
    Sysinfo(#[source] sysinfo::Error),
    /// The procfs collector was asked for where there is no `/proc`.
    #[error("the procfs collector needs Linux; use --collector sysinfo")]
    ProcfsUnavailable,
    /// A recording has fewer than the two readings a replay needs.
    #[error("fixture {origin} has {count} reading(s), needs at least 2")]
    TooFewReadings {
        /// The file, or `in-memory recording`.
        origin: String,
        /// How many readings it has.
        count: usize,
    },
}
