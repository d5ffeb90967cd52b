//! What only the detailed stream (`detail=full`) carries: every disk, disk I/O, sensors, GPUs,
//! batteries, per-process rows and what each device is, and how a detailed frame updates the
//! view model.

use std::time::Instant;

use psmonitor_core::wire::{
    BatteryStats, DetailedFrame, DiskInfo, DiskIoStats, DiskStats, GpuStats, NetInfo,
    ProcessDetail, SensorStats, StreamFrame,
};

use crate::history::push_each;
use crate::model::{Refresh, ViewModel};

/// The hardware beyond CPU, memory and the root disk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hardware {
    /// Every mounted filesystem.
    pub disks: Vec<DiskStats>,
    /// I/O rates of each block device.
    pub disk_io: Vec<DiskIoStats>,
    /// Every sensor.
    pub sensors: SensorStats,
    /// Every GPU.
    pub gpus: Vec<GpuStats>,
    /// Every battery.
    pub battery: Vec<BatteryStats>,
}

/// The detailed part of a host's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details {
    /// Disks, sensors, GPUs, batteries.
    pub hardware: Hardware,
    /// The top processes by CPU and by memory, busiest first (empty before a detailed frame).
    pub procs: Vec<ProcessDetail>,
    /// What each block device is (model, size); empty before a detailed frame or from an older
    /// server.
    pub disk_info: Vec<DiskInfo>,
    /// What each interface is (addresses, MAC, link speed); empty as `disk_info` is.
    pub net_info: Vec<NetInfo>,
}

impl SensorsExt for SensorStats {
    fn hottest(&self) -> Option<f64> {
        self.temps
            .iter()
            .map(|t| t.celsius)
            .chain(self.zones.iter().map(|z| z.celsius))
            .reduce(f64::max)
    }

    fn is_empty(&self) -> bool {
        self.temps.is_empty() && self.fans.is_empty() && self.zones.is_empty()
    }
}

/// Sensor summaries.
pub trait SensorsExt {
    /// The hottest temperature of any sensor or zone.
    fn hottest(&self) -> Option<f64>;
    /// Whether the host has no sensor at all.
    fn is_empty(&self) -> bool;
}

impl ViewModel {
    /// The hardware part of the details, if known.
    pub fn hardware(&self) -> Option<&Hardware> {
        self.details.as_ref().map(|d| &d.hardware)
    }

    /// What block device `name` is, when the server said.
    pub fn disk_info(&self, name: &str) -> Option<&DiskInfo> {
        let details = self.details.as_ref()?;
        details.disk_info.iter().find(|d| d.name == name)
    }

    /// What interface `name` is, when the server said.
    pub fn net_info(&self, name: &str) -> Option<&NetInfo> {
        let details = self.details.as_ref()?;
        details.net_info.iter().find(|n| n.name == name)
    }

    /// Stores `hw`; with `now`, also extends the graphs (a stream frame, not a snapshot).
    pub(crate) fn apply_hardware(&mut self, hw: Hardware, now: Option<Instant>) -> Refresh {
        if let Some(now) = now {
            let h = &mut self.history;
            let read = hw.disk_io.iter().map(|d| d.read_bytes_per_sec).sum::<f64>();
            let write = hw
                .disk_io
                .iter()
                .map(|d| d.write_bytes_per_sec)
                .sum::<f64>();
            h.disk_read.push(now, read);
            h.disk_write.push(now, write);
            h.devices.resize_with(hw.disk_io.len(), Default::default);
            for (io, (r, w)) in hw.disk_io.iter().zip(&mut h.devices) {
                r.push(now, io.read_bytes_per_sec);
                w.push(now, io.write_bytes_per_sec);
            }
            push_each(&mut h.gpus, now, hw.gpus.iter().map(|g| g.busy));
            if let Some(t) = hw.sensors.hottest() {
                h.hottest.push(now, t);
            }
            if let Some(p) = hw.battery.first().and_then(|b| b.percent) {
                h.battery.push(now, p);
            }
        }
        let details = self.details.get_or_insert_with(Details::default);
        if details.hardware == hw {
            return Refresh::NONE;
        }
        details.hardware = hw;
        Refresh::DETAIL
    }

    /// Applies one detailed frame: the classic part as a stream frame, then the rest.
    pub(crate) fn apply_detailed(&mut self, f: DetailedFrame, now: Instant) -> Refresh {
        let mut r = self.apply_frame(
            StreamFrame {
                cpu: f.cpu,
                mem: f.mem,
                disk: f.disk,
                uptime: f.uptime,
                processes: f.processes,
                swap: f.swap,
            },
            now,
        );
        r |= self.apply_hardware(
            Hardware {
                disks: f.disks,
                disk_io: f.disk_io,
                sensors: f.sensors,
                gpus: f.gpus,
                battery: f.battery,
            },
            Some(now),
        );
        let details = self.details.get_or_insert_with(Details::default);
        if details.procs != f.procs {
            details.procs = f.procs;
            r |= Refresh::PROCS;
        }
        if details.disk_info != f.disk_info || details.net_info != f.net_info {
            details.disk_info = f.disk_info;
            details.net_info = f.net_info;
            r |= Refresh::DETAIL;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::WatchEvent;

    fn golden(host: &str) -> DetailedFrame {
        let path = format!(
            "{}/../fixtures/golden/{host}/detail.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn a_detailed_frame_fills_cores_gpus_battery_and_procs() {
        let frame = golden("nvidia-laptop");
        let mut vm = ViewModel::default();
        let now = Instant::now();
        let r = vm.apply_at(WatchEvent::Detail(Box::new(frame.clone())), now);
        for flag in [
            Refresh::CPU,
            Refresh::DETAIL,
            Refresh::PROCS,
            Refresh::GRAPHS,
        ] {
            assert!(r.contains(flag), "{r:?} lacks {flag:?}");
        }
        assert_eq!(vm.history.cores.len(), frame.cpu.cores.len());
        assert_eq!(vm.history.gpus.len(), frame.gpus.len());
        assert_eq!(
            vm.history.battery.last(),
            frame.battery.first().and_then(|b| b.percent)
        );
        let d = vm.details.as_ref().unwrap();
        assert_eq!(d.procs, frame.procs);
        assert_eq!(d.hardware.gpus, frame.gpus);
        // The same frame again changes nothing but the graphs.
        let again = vm.apply_at(WatchEvent::Detail(Box::new(frame)), now);
        assert!(!again.contains(Refresh::DETAIL) && !again.contains(Refresh::PROCS));
        assert!(again.contains(Refresh::GRAPHS));
    }
}
