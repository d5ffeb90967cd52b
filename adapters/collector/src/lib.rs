//! PSMonitor's host collector: the only code that reads the host.
//!
//! [`HostCollector`] reads the live host from `/proc` and `/sys` (processes through the caching
//! [`procs::ProcessReader`]; Linux only); [`SysinfoCollector`] reads it through `sysinfo` on any
//! platform that crate supports; [`Backend`] chooses between them;
//! [`FixtureSampler`] replays a recorded [`HostRecording`]; [`record`] makes such a recording.
//! Both implement [`Sampler`], which never fails: a missing source gives defaults or `None`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
#[cfg(target_os = "linux")]
pub mod battery;
#[cfg(target_os = "linux")]
pub mod devices;
mod error;
mod fixture;
#[cfg(target_os = "linux")]
pub mod gpu;
#[cfg(target_os = "linux")]
mod held;
#[cfg(target_os = "linux")]
mod host;
pub mod identity;
#[cfg(target_os = "linux")]
pub mod node;
pub mod procfs;
#[cfg(target_os = "linux")]
pub mod procs;
mod record;
#[cfg(target_os = "linux")]
pub mod sysfs;
mod sysinfo_backend;
#[cfg(test)]
mod test_files;
#[cfg(target_os = "linux")]
pub mod thermal;

pub use backend::{Backend, UnknownBackend};
pub use error::CollectorError;
pub use fixture::FixtureSampler;
#[cfg(target_os = "linux")]
pub use host::HostCollector;
pub use psmonitor_core::model::{HostReading, HostRecording};
pub use record::record;
pub use sysinfo_backend::SysinfoCollector;

pub use psmonitor_core::hub::SampleRequest;

/// How many descriptors the live host's collector may hold open between samples under an
/// open-file limit of `nofile` (each process's `/proc/PID/stat`, see [`procs::held_files`]); a
/// server counts them in its descriptor budget. 0 where there is no such collector.
pub fn held_descriptors(nofile: usize) -> usize {
    #[cfg(target_os = "linux")]
    return procs::held_files(nofile);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = nofile;
        0
    }
}

/// Something that takes host readings.
pub trait Sampler: Send {
    /// Takes one full reading now (every process included); never fails, a missing source gives
    /// defaults or `None`.
    fn sample(&mut self) -> HostReading;

    /// Takes one reading now with what `request` asks for: without `processes`, a sampler that
    /// can skip the per-process scan leaves [`HostReading::processes`] empty; others read them
    /// anyway.
    fn sample_for(&mut self, request: SampleRequest) -> HostReading {
        let _ = request;
        self.sample()
    }
}
