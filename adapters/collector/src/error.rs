//! The collector's error type.

/// Why a sampler could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// sysinfo could not be initialised on this platform.
    #[error("cannot initialise sysinfo: {0}")]
    System(#[source] sysinfo::Error),
}
