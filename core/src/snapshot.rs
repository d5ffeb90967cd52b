//! Snapshots derived from two host readings, encoded once as the exact wire bytes.
//!
//! [`Derived`] holds the typed wire values (for clients that want numbers, not text);
//! [`Snapshot`] holds their JSON encodings, shared by every subscriber of a tick. The rules
//! for each figure live in [`crate::derive`].

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::derive::{cpu, devices, disk, identity, memory, network, process, process_cpu, uptime};
use crate::model::HostReading;
use crate::wire::{
    DetailedFrame, NetRates, NetworkSnapshot, PlatformInfo, StreamFrame, SystemSnapshot,
};

/// The encoded bodies of one sampling tick: computed once, shared by every subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The `GET /system` body.
    pub system: Arc<str>,
    /// The `GET /network` body.
    pub network: Arc<str>,
    /// The websocket stream frame.
    pub frame: Arc<str>,
    /// The detailed stream frame (`detail=full`), encoded only when someone subscribes to it.
    pub detail: Option<Arc<str>>,
}

impl Snapshot {
    /// Derives the snapshot of `cur`, with rates and CPU usage over the `elapsed` since `prev`;
    /// without the detailed frame.
    pub fn derive(prev: &HostReading, cur: &HostReading, elapsed: Duration) -> Self {
        Derived::new(prev, cur, elapsed).encode()
    }

    /// [`Self::derive`], with the detailed frame too when `detail` is set.
    pub fn derive_with_detail(
        prev: &HostReading,
        cur: &HostReading,
        elapsed: Duration,
        detail: bool,
    ) -> Self {
        let derived = Derived::new(prev, cur, elapsed);
        if detail {
            derived.encode_with_detail(cur)
        } else {
            derived.encode()
        }
    }
}

/// The typed wire values of one sampling tick, before encoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// The `GET /system` body.
    pub system: SystemSnapshot,
    /// The `GET /network` body.
    pub network: NetworkSnapshot,
    /// The websocket stream frame.
    pub frame: StreamFrame,
    /// Each process's CPU percent of one core over the interval, index for index with the
    /// current reading's processes (see [`process_cpu::cpu_percents`]).
    pub process_cpu: Vec<Option<f64>>,
}

impl Derived {
    /// Derives every wire value of `cur`, with rates and CPU usage over the `elapsed` since `prev`.
    pub fn new(prev: &HostReading, cur: &HostReading, elapsed: Duration) -> Self {
        let process_cpu = process_cpu::cpu_percents(&prev.processes, &cur.processes, elapsed);
        let system = system_snapshot_with(prev, cur, elapsed, &process_cpu);
        let frame = stream_frame(&system);
        let network = network_snapshot(prev, cur, elapsed);
        Self {
            system,
            network,
            frame,
            process_cpu,
        }
    }

    /// Encodes the three bodies as JSON, once each.
    pub fn encode(&self) -> Snapshot {
        Snapshot {
            system: to_json(&self.system),
            network: to_json(&self.network),
            frame: to_json(&self.frame),
            detail: None,
        }
    }

    /// [`Self::encode`], with the detailed frame of `cur` (the reading these values came from).
    pub fn encode_with_detail(&self, cur: &HostReading) -> Snapshot {
        let mut snapshot = self.encode();
        snapshot.detail = Some(to_json(&detailed_frame(cur, self)));
        snapshot
    }
}

/// The `GET /system` body of `cur`, with CPU usage over the interval since `prev`; rates (disk
/// I/O, per-process CPU) are over the readings' own `monotonic_ms` gap.
pub fn system_snapshot(prev: &HostReading, cur: &HostReading) -> SystemSnapshot {
    let elapsed = Duration::from_millis(cur.monotonic_ms.saturating_sub(prev.monotonic_ms));
    system_snapshot_over(prev, cur, elapsed)
}

/// The `GET /system` body of `cur`, with CPU usage and rates over the `elapsed` since `prev`.
pub fn system_snapshot_over(
    prev: &HostReading,
    cur: &HostReading,
    elapsed: Duration,
) -> SystemSnapshot {
    let cpu = process_cpu::cpu_percents(&prev.processes, &cur.processes, elapsed);
    system_snapshot_with(prev, cur, elapsed, &cpu)
}

/// [`system_snapshot_over`] with the per-process CPU already worked out.
fn system_snapshot_with(
    prev: &HostReading,
    cur: &HostReading,
    elapsed: Duration,
    cpu: &[Option<f64>],
) -> SystemSnapshot {
    SystemSnapshot {
        cpu: cpu::cpu_stats(&prev.cpu, &cur.cpu, cur.load_average),
        mem: memory::memory_stats(&cur.memory),
        disk: disk::root_disk_stats(&cur.disks),
        user: cur.user.clone(),
        platform: PlatformInfo {
            distro: cur.distro.clone(),
            kernel: cur.kernel.clone(),
            uptime: uptime::uptime_text(cur.uptime_secs),
            hostname: cur.hostname.clone(),
        },
        processes: process::top_processes_with_cpu(&cur.processes, cpu, process::TOP_PROCESSES),
        swap: memory::swap_stats(&cur.memory),
        disks: cur.disks.iter().map(disk::disk_stats).collect(),
        disk_io: devices::disk_io_stats(&prev.disk_io, &cur.disk_io, elapsed),
        sensors: devices::sensor_stats(&cur.cpu.sensors, &cur.fans, &cur.thermal_zones),
        gpus: cur.gpus.iter().map(devices::gpu_stats).collect(),
        battery: cur.batteries.iter().map(devices::battery_stats).collect(),
    }
}

/// The detailed stream frame of `cur` (the reading `derived` was derived to): the classic
/// frame's keys, then every detailed value of `derived`, and the process rows of
/// [`process_cpu::detailed_processes`].
pub fn detailed_frame(cur: &HostReading, derived: &Derived) -> DetailedFrame {
    let (system, frame) = (&derived.system, &derived.frame);
    DetailedFrame {
        cpu: frame.cpu.clone(),
        mem: frame.mem.clone(),
        disk: frame.disk.clone(),
        uptime: frame.uptime.clone(),
        processes: frame.processes.clone(),
        swap: frame.swap.clone(),
        disks: system.disks.clone(),
        disk_io: system.disk_io.clone(),
        net: derived
            .network
            .statistics
            .iter()
            .map(|(name, s)| {
                let rates = NetRates {
                    rx_bytes_per_sec: s.rx_bytes_per_sec,
                    tx_bytes_per_sec: s.tx_bytes_per_sec,
                };
                (name.clone(), rates)
            })
            .collect(),
        sensors: system.sensors.clone(),
        gpus: system.gpus.clone(),
        battery: system.battery.clone(),
        procs: process_cpu::detailed_processes(
            &cur.processes,
            &derived.process_cpu,
            process_cpu::TOP_DETAILED,
        ),
        disk_info: identity::disk_info(&cur.block_devices),
        net_info: identity::net_info(&cur.net_devices),
    }
}

/// The stream frame: `system` without `user` and `platform`, with the uptime text at the top level.
pub fn stream_frame(system: &SystemSnapshot) -> StreamFrame {
    StreamFrame {
        cpu: system.cpu.clone(),
        mem: system.mem.clone(),
        disk: system.disk.clone(),
        uptime: system.platform.uptime.clone(),
        processes: system.processes.clone(),
        swap: system.swap.clone(),
    }
}

/// The `GET /network` body of `cur`, with rates over the `elapsed` since `prev`.
pub fn network_snapshot(
    prev: &HostReading,
    cur: &HostReading,
    elapsed: Duration,
) -> NetworkSnapshot {
    network::network_snapshot(
        &prev.interfaces,
        &cur.interfaces,
        cur.wireless.as_ref(),
        elapsed,
    )
}

/// Compact JSON of a wire value.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Arc<str> {
    // The wire types are plain structs with string map keys, and serde_json writes non-finite
    // floats as `null`, so serialising into memory cannot fail.
    Arc::from(serde_json::to_string(value).expect("wire types always serialise"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CpuTimes, InterfaceReading, ProcessReading};

    fn reading(busy: u64, idle: u64, uptime: u64) -> HostReading {
        HostReading {
            hostname: "box".into(),
            user: "root".into(),
            distro: "Debian GNU/Linux 12 (bookworm)".into(),
            kernel: "6.1.0-18-amd64".into(),
            uptime_secs: uptime,
            cpu: crate::model::CpuReading {
                total: CpuTimes {
                    user: busy,
                    idle,
                    ..CpuTimes::default()
                },
                ..Default::default()
            },
            processes: vec![ProcessReading {
                pid: 1,
                name: "init".into(),
                user: "root".into(),
                rss: 1 << 20,
                ..ProcessReading::default()
            }],
            interfaces: vec![InterfaceReading {
                name: "eth0".into(),
                bytes_sent: busy,
                ..Default::default()
            }],
            ..HostReading::default()
        }
    }

    #[test]
    fn frame_is_system_without_user_and_platform_with_uptime_on_top() {
        let snap = Snapshot::derive(
            &reading(0, 0, 0),
            &reading(25, 75, 230),
            Duration::from_secs(1),
        );
        let frame: serde_json::Value = serde_json::from_str(&snap.frame).unwrap();
        let keys: Vec<&str> = frame
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["cpu", "disk", "mem", "processes", "swap", "uptime"]);
        assert_eq!(frame["uptime"], "3 mins, 50 secs");
        assert!(
            snap.frame.starts_with("{\"cpu\":{\"usage\":25.0,"),
            "{}",
            snap.frame
        );
        let system: serde_json::Value = serde_json::from_str(&snap.system).unwrap();
        assert_eq!(system["user"], "root");
        assert_eq!(system["platform"]["uptime"], "3 mins, 50 secs");
        assert_eq!(system["platform"]["hostname"], "box");
        assert_eq!(system["cpu"], frame["cpu"]);
    }

    #[test]
    fn bodies_round_trip_through_the_wire_types() {
        let derived = Derived::new(
            &reading(0, 0, 0),
            &reading(10, 30, 5),
            Duration::from_secs(2),
        );
        let snap = derived.encode();
        assert_eq!(
            serde_json::from_str::<SystemSnapshot>(&snap.system).unwrap(),
            derived.system
        );
        assert_eq!(
            serde_json::from_str::<NetworkSnapshot>(&snap.network).unwrap(),
            derived.network
        );
        assert_eq!(
            serde_json::from_str::<StreamFrame>(&snap.frame).unwrap(),
            derived.frame
        );
        assert_eq!(derived.network.statistics["eth0"].tx_bytes_per_sec, 5.0);
    }

    #[test]
    fn encoding_is_deterministic() {
        let (a, b) = (reading(3, 7, 99), reading(50, 70, 100));
        let one = Snapshot::derive(&a, &b, Duration::from_secs(1));
        let two = Snapshot::derive(&a.clone(), &b.clone(), Duration::from_secs(1));
        assert_eq!(one, two);
    }
}
