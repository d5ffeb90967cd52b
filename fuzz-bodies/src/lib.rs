//! The bodies of PSMonitor's fuzz targets: one function per target taking the raw input and
//! checking its invariants (panicking when one breaks). The libFuzzer harness in `fuzz/` calls
//! them, and `tests/corpus.rs` replays every file of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` through them on stable.
#![forbid(unsafe_code)]

mod auth;
mod bodies;
mod collector;
mod fixture;
mod history;
mod http1;
pub mod hub;
mod query;
mod sysfs;

pub use auth::authorization;
pub use bodies::bodies;
pub use collector::{PROCFS_FILES, proc_pid, procfs};
pub use fixture::fixture_json;
pub use history::{history_codec, history_query};
pub use http1::{http1_chunked, http1_head};
pub use hub::hub;
pub use query::{SUBSCRIBER, WORKER_SEED, query};
pub use sysfs::{encode_tree, sysfs};

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target by name, as the corpus directories are named.
pub const TARGETS: &[(&str, Body)] = &[
    ("hub", hub),
    ("query", query),
    ("authorization", authorization),
    ("bodies", bodies),
    ("http1_head", http1_head),
    ("http1_chunked", http1_chunked),
    ("procfs", procfs),
    ("proc_pid", proc_pid),
    ("sysfs", sysfs),
    ("fixture_json", fixture_json),
    ("history_query", history_query),
    ("history_codec", history_codec),
];

/// Splits `data` into its first byte, which chooses the parser in grouped targets, and the rest.
fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&first, rest)) => (first, rest),
        None => (0, &[]),
    }
}

/// The wall time the token targets run at: 2023-11-14T22:13:20Z plus 30 s.
pub const NOW_UNIX: u64 = 1_700_000_030;

/// The account the hub and authorization targets serve; its tokens in the corpus are signed
/// with this secret at [`NOW_UNIX`] - 30 s, for 60 s.
#[must_use]
pub fn account() -> psmonitor_core::auth::Account {
    psmonitor_core::auth::Account {
        user_id: "3f1c2d4e-0000-4000-8000-000000000001".to_owned(),
        username: "PSMonitor".to_owned(),
        // Never verified here: the hub hands verification to the adapter, which the hub
        // target plays.
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned(),
        jwt_secret: psmonitor_core::auth::JwtSecret([7; 32]),
    }
}

/// `NOW_UNIX` as a `SystemTime`.
fn wall(unix: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix)
}
