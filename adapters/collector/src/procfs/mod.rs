//! Pure parsers of `/proc` files; each takes the file's text and never fails.

pub mod diskstats;
pub mod filefd;
pub mod kernel_stat;
pub mod meminfo;
pub mod mounts;
pub mod netdev;
pub mod node_meminfo;
pub mod pressure;
pub mod stat;
pub mod system;
pub mod vmstat;
pub mod wireless;
