//! Pure derivations from [`crate::model`] readings to [`crate::wire`] values, one rule per file.
//!
//! Every function here is total: counters going backwards, empty lists and zero totals give
//! zeros or `null`, never a panic. [`crate::snapshot`] puts the pieces together.

pub mod cpu;
pub mod devices;
pub mod disk;
pub mod identity;
pub mod memory;
pub mod network;
pub mod process;
pub mod process_cpu;
pub mod round;
pub mod uptime;
