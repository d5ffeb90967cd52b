//! Snapshots derived from two host readings, encoded once as the exact wire bytes.

use std::sync::Arc;
use std::time::Duration;

use crate::model::HostReading;

/// The encoded bodies of one sampling tick: computed once, shared by every subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The `GET /system` body.
    pub system: Arc<str>,
    /// The `GET /network` body.
    pub network: Arc<str>,
    /// The websocket stream frame.
    pub frame: Arc<str>,
}

impl Snapshot {
    /// Derives the snapshot of `cur`, with rates and CPU usage over the `elapsed` since `prev`.
    pub fn derive(prev: &HostReading, cur: &HostReading, elapsed: Duration) -> Self {
        // Placeholder until the encoders land; the signature is the contract.
        let _ = (prev, elapsed);
        let text: Arc<str> = Arc::from(format!("{{\"uptime_secs\":{}}}", cur.uptime_secs));
        Self {
            system: text.clone(),
            network: text.clone(),
            frame: text,
        }
    }
}
