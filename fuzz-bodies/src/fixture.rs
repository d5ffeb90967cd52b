//! The fixture/reading JSON decoder: `fixtures/hosts/*.json` recordings replayed by
//! `FixtureSampler`, and what the core derives from the readings they hold.

use std::time::Duration;

use psmonitor_collector::{FixtureSampler, HostReading, HostRecording, Sampler};
use psmonitor_core::series::series_values;
use psmonitor_core::snapshot::Derived;

/// Decodes `data` as a host recording (and as one reading); a decoded recording of at least two
/// readings replays them in order and then extrapolates, and every pair of consecutive samples
/// derives wire bodies that are valid JSON and series values that are finite.
pub fn fixture_json(data: &[u8]) {
    let _ = serde_json::from_slice::<HostReading>(data);
    let Ok(recording) = serde_json::from_slice::<HostRecording>(data) else {
        return;
    };
    let count = recording.readings.len();
    let Ok(mut sampler) = FixtureSampler::new(recording.clone()) else {
        assert!(count < 2, "a recording of {count} readings refused");
        return;
    };
    let elapsed = Duration::from_millis(recording.interval_ms);
    let mut prev = sampler.sample();
    let mut first = prev.clone();
    first.monotonic_ms = 0;
    assert_eq!(first, recording.readings[0].clone_at(0));
    for _ in 1..count + 2 {
        let cur = sampler.sample();
        let derived = Derived::new(&prev, &cur, elapsed);
        let snapshot = derived.encode_with_detail(&cur);
        for body in [&snapshot.system, &snapshot.network, &snapshot.frame] {
            serde_json::from_str::<serde_json::Value>(body).expect("a body is JSON");
        }
        if let Some(detail) = &snapshot.detail {
            serde_json::from_str::<serde_json::Value>(detail).expect("the detail is JSON");
        }
        for (name, value) in series_values(&derived, &cur) {
            assert!(value.is_finite(), "{name} = {value}");
        }
        prev = cur;
    }
}

/// A reading with its monotonic time set, for comparing replayed readings.
trait CloneAt {
    fn clone_at(&self, monotonic_ms: u64) -> HostReading;
}

impl CloneAt for HostReading {
    fn clone_at(&self, monotonic_ms: u64) -> HostReading {
        HostReading {
            monotonic_ms,
            ..self.clone()
        }
    }
}
