//! [`record`]: takes a [`HostRecording`] from any sampler, for `psmonitor record`.

use std::time::Duration;

use psmonitor_core::model::HostRecording;

use crate::Sampler;

/// Takes `count` samples `interval` apart (sleeping between them, not after the last) and
/// returns them as a recording described by `description`.
pub fn record(
    sampler: &mut dyn Sampler,
    count: usize,
    interval: Duration,
    description: &str,
) -> HostRecording {
    let mut readings = Vec::with_capacity(count);
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(interval);
        }
        readings.push(sampler.sample());
    }
    HostRecording {
        description: description.to_owned(),
        interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
        readings,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::{FixtureSampler, HostCollector};

    #[test]
    fn records_the_live_host_and_round_trips_through_json() {
        let mut host = HostCollector::new().expect("collector");
        let started = Instant::now();
        let recording = record(&mut host, 2, Duration::from_millis(50), "this test host");
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "sleeps between samples"
        );
        assert_eq!(recording.description, "this test host");
        assert_eq!(recording.interval_ms, 50);
        assert_eq!(recording.readings.len(), 2);
        assert!(recording.readings.iter().all(|r| r.memory.total > 0));

        let json = serde_json::to_string(&recording).expect("serialise");
        for key in [
            "\"cpu_ms\"",
            "\"threads\"",
            "\"disk_io\"",
            "\"fans\"",
            "\"gpus\"",
        ] {
            assert!(json.contains(key), "the recording carries {key}");
        }
        assert!(recording.readings[1].processes.iter().any(|p| p.cpu_ms > 0));
        let back: HostRecording = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, recording);

        assert!(recording.readings[1].monotonic_ms >= recording.readings[0].monotonic_ms + 50);
        let mut replay = FixtureSampler::new(back).expect("two readings");
        let mut first = recording.readings[0].clone();
        first.monotonic_ms = 0;
        assert_eq!(replay.sample(), first);
    }

    #[test]
    fn zero_count_gives_an_empty_recording() {
        let mut host = HostCollector::new().expect("collector");
        let recording = record(&mut host, 0, Duration::from_secs(60), "");
        assert!(recording.readings.is_empty());
    }
}
