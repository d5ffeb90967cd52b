//! What the benchmarks share: the fixture hosts' recordings.

use std::path::PathBuf;

use psmonitor_core::model::HostRecording;

/// The recording of the fixture host `name` (`fixtures/hosts/NAME.json`).
pub fn recording(name: &str) -> HostRecording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/hosts")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture parses")
}
