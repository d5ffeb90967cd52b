//! PSMonitor's sans-IO core: host-reading model, metric encoding, auth, worker pairing and the
//! HTTP/websocket protocol as state machines.
//!
//! Nothing here touches a socket, a clock, a thread, the filesystem or the OS's randomness:
//! time and entropy are passed in, and effects are returned as outputs for an adapter to run.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod derive;
pub mod history;
pub mod http1;
pub mod hub;
pub mod limiter;
pub mod metrics;
pub mod model;
pub mod query;
pub mod series;
pub mod snapshot;
pub mod wire;
pub mod workers;
