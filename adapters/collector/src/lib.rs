//! PSMonitor's host collector: the only code that reads the host.
#![forbid(unsafe_code)]

pub mod identity;
pub mod procfs;
pub mod sysfs;
