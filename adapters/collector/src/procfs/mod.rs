//! Pure parsers of `/proc` files; each takes the file's text and never fails.

pub mod diskstats;
pub mod meminfo;
pub mod mounts;
pub mod netdev;
pub mod stat;
pub mod system;
pub mod wireless;
