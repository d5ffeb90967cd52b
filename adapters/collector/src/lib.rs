//! PSMonitor's host collector: the only code that reads the host.
//!
//! [`HostCollector`] reads the live host from `/proc` and `/sys` (processes through the caching
//! [`procs::ProcessReader`]);
//! [`FixtureSampler`] replays a recorded [`HostRecording`]; [`record`] makes such a recording.
//! Both implement [`Sampler`], which never fails: a missing source gives defaults or `None`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod battery;
mod error;
mod fixture;
pub mod gpu;
mod host;
pub mod identity;
pub mod procfs;
pub mod procs;
mod record;
pub mod sysfs;
pub mod thermal;

pub use error::CollectorError;
pub use fixture::FixtureSampler;
pub use host::HostCollector;
pub use psmonitor_core::model::{HostReading, HostRecording};
pub use record::record;

/// Something that takes host readings.
pub trait Sampler: Send {
    /// Takes one reading now; never fails, a missing source gives defaults or `None`.
    fn sample(&mut self) -> HostReading;
}
