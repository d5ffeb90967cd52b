//! [`SysinfoCollector`]: the host read through the `sysinfo` crate, for every platform it
//! supports (the lean `/proc` reader, [`crate::HostCollector`], is Linux only).
//!
//! `sysinfo` reports CPU usage as a percent per refresh, not the tick counters the core derives
//! usage from, so this backend keeps synthetic counters: each sample adds the busy share of the
//! elapsed time (in 10 ms ticks) to `user` and the rest to `idle`. Two readings then give the
//! usage `sysinfo` measured over the same interval. Memory `buffers` and `cached` are not exposed
//! (0), nor is the space reserved for root on a disk (`free` = `available`), nor thread counts.
//! Interfaces carry their MAC, addresses, MTU and link speed as `sysinfo` refreshes them with
//! the counters (no state); block devices carry no identity.

use std::fmt;
use std::time::Instant;

use psmonitor_core::model::{
    CpuReading, CpuTimes, DiskReading, HostReading, InterfaceReading, IpAddressReading,
    MemoryReading, NetDeviceReading, ProcessReading, TempSensor,
};
use sysinfo::{
    Components, Disks, Networks, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users,
};

use crate::{CollectorError, Sampler};

/// Samples between re-reads of the disk, sensor and user lists (values are refreshed each sample).
const LISTS_EVERY: u64 = 10;

/// Synthetic CPU counters of one CPU, in 10 ms ticks, kept as floats so rounding never drifts.
#[derive(Clone, Copy, Debug, Default)]
struct Ticks {
    busy: f64,
    idle: f64,
}

impl Ticks {
    /// Adds `elapsed_ms` split by `usage` percent.
    fn add(&mut self, usage: f32, elapsed_ms: f64) {
        let usage = f64::from(usage);
        let usage = if usage.is_finite() {
            usage.clamp(0.0, 100.0) / 100.0
        } else {
            0.0
        };
        self.busy += elapsed_ms / 10.0 * usage;
        self.idle += elapsed_ms / 10.0 * (1.0 - usage);
    }

    fn times(self) -> CpuTimes {
        CpuTimes {
            // Counters far below 2^52 ticks: the conversion is exact enough.
            user: self.busy.round() as u64,
            idle: self.idle.round() as u64,
            ..CpuTimes::default()
        }
    }
}

/// Samples the host through `sysinfo`.
pub struct SysinfoCollector {
    system: System,
    disks: Disks,
    networks: Networks,
    components: Components,
    users: Users,
    total: Ticks,
    cores: Vec<Ticks>,
    last: Option<Instant>,
    samples: u64,
    user: String,
    distro: String,
    kernel: String,
    started: Instant,
}

impl SysinfoCollector {
    /// Builds a collector and takes the CPU baseline `sysinfo` needs.
    pub fn new() -> Result<Self, CollectorError> {
        let mut system = System::new().map_err(CollectorError::Sysinfo)?;
        system.refresh_cpu_usage();
        let users = Users::new_with_refreshed_list().map_err(CollectorError::Sysinfo)?;
        let user = current_user(&users);
        Ok(Self {
            system,
            disks: Disks::new_with_refreshed_list().map_err(CollectorError::Sysinfo)?,
            networks: Networks::new_with_refreshed_list().map_err(CollectorError::Sysinfo)?,
            components: Components::new_with_refreshed_list().map_err(CollectorError::Sysinfo)?,
            users,
            total: Ticks::default(),
            cores: Vec::new(),
            last: Some(Instant::now()),
            samples: 0,
            user,
            distro: System::long_os_version().unwrap_or_default(),
            kernel: System::kernel_version().unwrap_or_default(),
            started: Instant::now(),
        })
    }

    fn cpu(&mut self) -> CpuReading {
        self.system.refresh_cpu_usage();
        self.system.refresh_cpu_frequency();
        let now = Instant::now();
        let elapsed_ms = self
            .last
            .replace(now)
            .map_or(0.0, |at| now.duration_since(at).as_secs_f64() * 1000.0);
        let cpus = self.system.cpus();
        self.cores.resize(cpus.len(), Ticks::default());
        for (ticks, cpu) in self.cores.iter_mut().zip(cpus) {
            ticks.add(cpu.usage(), elapsed_ms);
        }
        self.total.add(self.system.global_cpu_usage(), elapsed_ms);
        let freqs: Vec<f64> = cpus
            .iter()
            .map(|c| c.frequency() as f64)
            .filter(|f| *f > 0.0)
            .collect();
        CpuReading {
            total: self.total.times(),
            cores: self.cores.iter().map(|t| t.times()).collect(),
            freq_mhz: (!freqs.is_empty()).then(|| freqs.iter().sum::<f64>() / freqs.len() as f64),
            sensors: self.sensors(),
        }
    }

    fn sensors(&mut self) -> Vec<TempSensor> {
        self.components.refresh(true);
        self.components
            .iter()
            .filter_map(|c| {
                let celsius = f64::from(c.temperature()?);
                // sysinfo joins the hwmon chip and sensor label with a space.
                let (chip, label) = c.label().split_once(' ').unwrap_or((c.label(), ""));
                Some(TempSensor {
                    chip: chip.to_owned(),
                    label: label.to_owned(),
                    celsius,
                    ..Default::default()
                })
            })
            .collect()
    }

    fn processes(&mut self) -> Vec<ProcessReading> {
        let kind = ProcessRefreshKind::nothing()
            .with_memory()
            .with_cpu()
            .with_user(UpdateKind::OnlyIfNotSet)
            .without_tasks();
        self.system
            .refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
        let mut processes: Vec<ProcessReading> = self
            .system
            .processes()
            .values()
            // Kernel threads and the threads of processes are no processes of their own.
            .filter(|p| p.thread_kind().is_none())
            .map(|p| ProcessReading {
                pid: p.pid().as_u32(),
                name: p.name().to_string_lossy().into_owned(),
                user: p.user_id().map_or_else(String::new, |uid| {
                    self.users
                        .get_user_by_id(uid)
                        .map_or_else(|| uid.to_string(), |u| u.name().to_owned())
                }),
                rss: p.memory(),
                cpu_ms: p.accumulated_cpu_time(),
                threads: 0,
            })
            .collect();
        processes.sort_unstable_by_key(|p| p.pid);
        processes
    }

    fn disks(&mut self) -> Vec<DiskReading> {
        self.disks.refresh(self.samples.is_multiple_of(LISTS_EVERY));
        self.disks
            .iter()
            .filter(|d| d.total_space() > 0)
            .map(|d| DiskReading {
                mount_point: d.mount_point().to_string_lossy().into_owned(),
                device: d.name().to_string_lossy().into_owned(),
                fs_type: d.file_system().to_string_lossy().into_owned(),
                total: d.total_space(),
                free: d.available_space(),
                available: d.available_space(),
                ..DiskReading::default()
            })
            .collect()
    }

    fn interfaces(&mut self) -> Vec<InterfaceReading> {
        self.networks.refresh(true);
        let mut interfaces: Vec<InterfaceReading> = self
            .networks
            .iter()
            .map(|(name, n)| InterfaceReading {
                name: name.to_string_lossy().into_owned(),
                bytes_sent: n.total_transmitted(),
                bytes_received: n.total_received(),
                packets_sent: n.total_packets_transmitted(),
                packets_received: n.total_packets_received(),
                errors_in: n.total_errors_on_received(),
                errors_out: n.total_errors_on_transmitted(),
                drops_in: 0,
                drops_out: 0,
                other: Vec::new(),
            })
            .collect();
        interfaces.sort_by(|a, b| a.name.cmp(&b.name));
        interfaces
    }

    /// Each interface's identity from the data [`Self::interfaces`] refreshed, in name order.
    fn net_devices(&self) -> Vec<NetDeviceReading> {
        let mut devices: Vec<NetDeviceReading> = self
            .networks
            .iter()
            .map(|(name, n)| {
                let mut addresses: Vec<IpAddressReading> = n
                    .ip_networks()
                    .iter()
                    .map(|ip| IpAddressReading {
                        address: ip.addr,
                        prefix: ip.prefix,
                    })
                    .collect();
                addresses.sort_by_key(|a| a.address.is_ipv6());
                NetDeviceReading {
                    name: name.to_string_lossy().into_owned(),
                    mac: Some(n.mac_address().to_string()),
                    addresses,
                    speed_mbps: n.transmit_link_speed().map(|bits| bits / 1_000_000),
                    mtu: Some(n.mtu()).filter(|&mtu| mtu > 0),
                    operstate: None,
                }
            })
            .collect();
        devices.sort_by(|a, b| a.name.cmp(&b.name));
        devices
    }
}

impl Sampler for SysinfoCollector {
    fn sample(&mut self) -> HostReading {
        if self.samples.is_multiple_of(LISTS_EVERY) && self.samples > 0 {
            self.users.refresh();
        }
        self.system.refresh_memory();
        let load = System::load_average().unwrap_or_default();
        let processes = self.processes();
        let monotonic_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let reading = HostReading {
            monotonic_ms,
            hostname: System::host_name().unwrap_or_default(),
            user: self.user.clone(),
            distro: self.distro.clone(),
            kernel: self.kernel.clone(),
            uptime_secs: System::uptime().unwrap_or_default(),
            load_average: [load.one, load.five, load.fifteen],
            cpu: self.cpu(),
            memory: MemoryReading {
                total: self.system.total_memory(),
                free: self.system.free_memory(),
                available: self.system.available_memory(),
                buffers: 0,
                cached: 0,
                swap_total: self.system.total_swap(),
                swap_free: self.system.free_swap(),
            },
            disks: self.disks(),
            processes,
            interfaces: self.interfaces(),
            net_devices: self.net_devices(),
            ..HostReading::default()
        };
        self.samples += 1;
        reading
    }
}

impl fmt::Debug for SysinfoCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SysinfoCollector")
            .field("user", &self.user)
            .field("distro", &self.distro)
            .field("kernel", &self.kernel)
            .finish_non_exhaustive()
    }
}

/// The name of the account this process runs as, empty when unknown.
fn current_user(users: &Users) -> String {
    let Ok(system) = System::new() else {
        return String::new();
    };
    let Ok(pid) = sysinfo::get_current_pid() else {
        return String::new();
    };
    let mut system = system;
    let kind = ProcessRefreshKind::nothing()
        .with_user(UpdateKind::Always)
        .without_tasks();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, kind);
    system
        .process(pid)
        .and_then(|p| p.effective_user_id().or(p.user_id()))
        .and_then(|uid| users.get_user_by_id(uid))
        .map(|u| u.name().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_ticks_give_back_the_usage_over_the_interval() {
        let mut t = Ticks::default();
        t.add(25.0, 1000.0);
        let first = t.times();
        t.add(40.0, 2000.0);
        let second = t.times();
        let busy = (second.user - first.user) as f64;
        let idle = (second.idle - first.idle) as f64;
        assert_eq!(busy / (busy + idle), 0.4);
        t.add(f32::NAN, 1000.0);
        assert_eq!(t.times().user, second.user, "a NaN usage counts as idle");
        assert!(t.idle.is_finite());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn interfaces_carry_their_identity() {
        let mut collector = SysinfoCollector::new().unwrap();
        let reading = collector.sample();
        let lo = reading
            .net_devices
            .iter()
            .find(|n| n.name == "lo")
            .expect("every Linux host has lo");
        assert!(
            lo.addresses.iter().any(|a| a.address.is_loopback()),
            "{lo:?}"
        );
        assert_eq!(lo.mtu.map(|m| m > 0), Some(true));
        let names: Vec<&str> = reading
            .net_devices
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        let counted: Vec<&str> = reading.interfaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, counted);
    }
}
