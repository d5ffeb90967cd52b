//! [`FixtureSampler`]: replays a recorded [`HostRecording`], then extends it linearly.

use std::path::Path;
use std::time::Duration;

use psmonitor_core::model::{CpuTimes, HostReading, HostRecording, InterfaceReading};

use crate::{CollectorError, Sampler};

/// Replays a recording: sample `k` is `readings[k]` while `k < n`; afterwards the last reading
/// with every monotonic counter advanced by the last recorded step per sample, so usage and rates
/// derived from two consecutive samples stay those of the last recorded pair.
#[derive(Clone, Debug)]
pub struct FixtureSampler {
    recording: HostRecording,
    next: u64,
}

impl FixtureSampler {
    /// Replays `recording`, which needs at least two readings.
    pub fn new(recording: HostRecording) -> Result<Self, CollectorError> {
        Self::checked(recording, "in-memory recording".to_owned())
    }

    /// Loads a recording from a JSON file (the `fixtures/hosts/*.json` format).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CollectorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CollectorError::FixtureRead {
            path: path.to_owned(),
            source,
        })?;
        let recording =
            serde_json::from_str(&text).map_err(|source| CollectorError::FixtureJson {
                path: path.to_owned(),
                source,
            })?;
        Self::checked(recording, path.display().to_string())
    }

    fn checked(recording: HostRecording, origin: String) -> Result<Self, CollectorError> {
        let count = recording.readings.len();
        if count < 2 {
            return Err(CollectorError::TooFewReadings { origin, count });
        }
        Ok(Self { recording, next: 0 })
    }

    /// The recording being replayed.
    pub fn recording(&self) -> &HostRecording {
        &self.recording
    }

    /// The time between recorded readings.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.recording.interval_ms)
    }
}

impl Sampler for FixtureSampler {
    fn sample(&mut self) -> HostReading {
        let k = self.next;
        self.next = self.next.saturating_add(1);
        let readings = &self.recording.readings;
        let n = readings.len();
        let mut reading = match usize::try_from(k) {
            Ok(k) if k < n => readings[k].clone(),
            _ => {
                // `checked` guarantees n >= 2.
                let steps = k - (n as u64 - 1);
                extrapolate(
                    &readings[n - 2],
                    &readings[n - 1],
                    steps,
                    self.recording.interval_ms,
                )
            }
        };
        // Replayed readings are spaced by the recording's interval, whatever the server's pace.
        reading.monotonic_ms = k.saturating_mul(self.recording.interval_ms);
        reading
    }
}

/// `last` with every monotonic counter advanced `steps` times by its step since `prev`, and the
/// uptime by `steps` intervals. A counter that went backwards, or is new in `last`, stays put.
pub fn extrapolate(
    prev: &HostReading,
    last: &HostReading,
    steps: u64,
    interval_ms: u64,
) -> HostReading {
    let mut next = last.clone();
    let elapsed_ms = u128::from(steps) * u128::from(interval_ms);
    let elapsed_secs = u64::try_from(elapsed_ms / 1000).unwrap_or(u64::MAX);
    next.uptime_secs = last.uptime_secs.saturating_add(elapsed_secs);
    next.cpu.total = advance_cpu(&prev.cpu.total, &last.cpu.total, steps);
    for (i, core) in next.cpu.cores.iter_mut().enumerate() {
        if let Some(before) = prev.cpu.cores.get(i) {
            *core = advance_cpu(before, core, steps);
        }
    }
    for iface in &mut next.interfaces {
        if let Some(before) = prev.interfaces.iter().find(|p| p.name == iface.name) {
            *iface = advance_iface(before, iface, steps);
        }
    }
    let cpu_before: std::collections::HashMap<u32, u64> =
        prev.processes.iter().map(|p| (p.pid, p.cpu_ms)).collect();
    for process in &mut next.processes {
        if let Some(&before) = cpu_before.get(&process.pid) {
            process.cpu_ms = advance(before, process.cpu_ms, steps);
        }
    }
    for disk in &mut next.disk_io {
        if let Some(before) = prev.disk_io.iter().find(|d| d.name == disk.name) {
            disk.read_bytes = advance(before.read_bytes, disk.read_bytes, steps);
            disk.written_bytes = advance(before.written_bytes, disk.written_bytes, steps);
            disk.busy_ms = advance(before.busy_ms, disk.busy_ms, steps);
        }
    }
    next
}

fn advance(before: u64, last: u64, steps: u64) -> u64 {
    last.saturating_add(last.saturating_sub(before).saturating_mul(steps))
}

fn advance_cpu(b: &CpuTimes, l: &CpuTimes, steps: u64) -> CpuTimes {
    CpuTimes {
        user: advance(b.user, l.user, steps),
        nice: advance(b.nice, l.nice, steps),
        system: advance(b.system, l.system, steps),
        idle: advance(b.idle, l.idle, steps),
        iowait: advance(b.iowait, l.iowait, steps),
        irq: advance(b.irq, l.irq, steps),
        softirq: advance(b.softirq, l.softirq, steps),
        steal: advance(b.steal, l.steal, steps),
    }
}

fn advance_iface(b: &InterfaceReading, l: &InterfaceReading, steps: u64) -> InterfaceReading {
    InterfaceReading {
        name: l.name.clone(),
        bytes_sent: advance(b.bytes_sent, l.bytes_sent, steps),
        bytes_received: advance(b.bytes_received, l.bytes_received, steps),
        packets_sent: advance(b.packets_sent, l.packets_sent, steps),
        packets_received: advance(b.packets_received, l.packets_received, steps),
        errors_in: advance(b.errors_in, l.errors_in, steps),
        errors_out: advance(b.errors_out, l.errors_out, steps),
        drops_in: advance(b.drops_in, l.drops_in, steps),
        drops_out: advance(b.drops_out, l.drops_out, steps),
        // The rarer counters (fifo, frame, ...) stay put: still monotonic.
        other: l.other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(tick: u64) -> HostReading {
        let cpu = CpuTimes {
            user: 100 * tick,
            idle: 300 * tick,
            ..CpuTimes::default()
        };
        let mut r = HostReading {
            uptime_secs: 1000 + tick,
            ..HostReading::default()
        };
        r.cpu.total = cpu;
        r.cpu.cores = vec![
            cpu,
            CpuTimes {
                system: 7 * tick,
                ..CpuTimes::default()
            },
        ];
        r.interfaces = vec![InterfaceReading {
            name: "eth0".into(),
            bytes_received: 5000 * tick,
            packets_sent: 3 * tick,
            drops_in: tick,
            ..InterfaceReading::default()
        }];
        r
    }

    fn recording(ticks: &[u64]) -> HostRecording {
        HostRecording {
            description: "test".into(),
            interval_ms: 1000,
            readings: ticks.iter().map(|t| reading(*t)).collect(),
        }
    }

    #[test]
    fn replays_then_extends_by_the_last_step() {
        // Ticks 0, 1, 3: the last step is 2 ticks of counters, uptime +1 s per sample.
        let mut sampler = FixtureSampler::new(recording(&[0, 1, 3])).expect("valid");
        let samples: Vec<HostReading> = (0..6).map(|_| sampler.sample()).collect();
        for (k, sample) in samples.iter().enumerate() {
            assert_eq!(
                sample.monotonic_ms,
                k as u64 * 1000,
                "spaced by the recording's interval"
            );
        }
        for (k, recorded) in recording(&[0, 1, 3]).readings.into_iter().enumerate() {
            let mut expected = recorded;
            expected.monotonic_ms = k as u64 * 1000;
            assert_eq!(samples[k], expected);
        }
        for (j, sample) in samples[3..].iter().enumerate() {
            let tick = 3 + 2 * (j as u64 + 1);
            let mut expected = reading(tick);
            expected.uptime_secs = 1003 + j as u64 + 1;
            expected.monotonic_ms = (3 + j as u64) * 1000;
            assert_eq!(*sample, expected, "extrapolated sample {j}");
        }
    }

    #[test]
    fn extrapolation_is_deterministic_and_keeps_non_counters() {
        let mut rec = recording(&[0, 1]);
        rec.readings[1].memory.total = 42;
        rec.readings[1].load_average = [1.5, 1.0, 0.5];
        let mut a = FixtureSampler::new(rec.clone()).expect("valid");
        let mut b = FixtureSampler::new(rec).expect("valid");
        for k in 0..10 {
            let (x, y) = (a.sample(), b.sample());
            assert_eq!(x, y);
            if k >= 1 {
                assert_eq!((x.memory.total, x.load_average), (42, [1.5, 1.0, 0.5]));
            }
        }
    }

    #[test]
    fn backwards_and_new_counters_stay_put() {
        let prev = reading(5);
        let mut last = reading(4);
        last.interfaces.push(InterfaceReading {
            name: "wlan0".into(),
            bytes_sent: 9,
            ..Default::default()
        });
        last.cpu.cores.push(CpuTimes {
            user: 9,
            ..CpuTimes::default()
        });
        let next = extrapolate(&prev, &last, 3, 500);
        assert_eq!(next.cpu.total, last.cpu.total);
        assert_eq!(next.interfaces, last.interfaces);
        assert_eq!(next.cpu.cores[2].user, 9);
        assert_eq!(next.uptime_secs, last.uptime_secs + 1); // 3 * 500 ms, whole seconds
    }

    #[test]
    fn sub_second_intervals_do_not_drift() {
        let mut rec = recording(&[0, 1]);
        rec.interval_ms = 250;
        let mut sampler = FixtureSampler::new(rec).expect("valid");
        let uptimes: Vec<u64> = (0..10).map(|_| sampler.sample().uptime_secs).collect();
        assert_eq!(
            uptimes,
            [1000, 1001, 1001, 1001, 1001, 1002, 1002, 1002, 1002, 1003]
        );
    }

    #[test]
    fn needs_two_readings() {
        let err = FixtureSampler::new(recording(&[0])).expect_err("one reading");
        assert_eq!(
            err.to_string(),
            "fixture in-memory recording has 1 reading(s), needs at least 2"
        );
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.json");
        let err = FixtureSampler::from_file(&missing).expect_err("missing");
        assert!(matches!(err, CollectorError::FixtureRead { .. }));
        assert!(err.to_string().contains("missing.json"), "{err}");

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"description\": \"x\", \"readings\": [").expect("write");
        let err = FixtureSampler::from_file(&bad).expect_err("invalid");
        assert!(matches!(err, CollectorError::FixtureJson { .. }));
        assert!(err.to_string().starts_with("invalid fixture "), "{err}");
        assert!(err.to_string().contains("bad.json"), "{err}");

        let good = dir.path().join("good.json");
        let text = serde_json::to_string(&recording(&[0, 1])).expect("serialise");
        std::fs::write(&good, text).expect("write");
        let mut sampler = FixtureSampler::from_file(&good).expect("valid");
        assert_eq!(sampler.sample(), reading(0));
        assert_eq!(sampler.interval(), Duration::from_secs(1));
    }
}
