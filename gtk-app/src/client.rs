//! The client side: the `psmonitor-client` contract the app is written against.

pub use psmonitor_client::{ClientConfig, ClientError, Watch, WatchEvent, WatchOptions, watch};
