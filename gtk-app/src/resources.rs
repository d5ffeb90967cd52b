//! The resources of the sidebar (CPU, memory, disks, network, GPUs, sensors, battery), which a
//! host has, and the text each shows: the current value and the details rows. No GTK here.

use crate::details::SensorsExt;
use crate::format::{self, Units};
use crate::history::Series;
use crate::model::ViewModel;

mod rows;

use rows::{device_rows, interface_rows, network_rows};

/// One entry of the sidebar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Processor.
    Cpu,
    /// Memory and swap.
    Memory,
    /// Filesystems and block devices.
    Disks,
    /// Network interfaces.
    Network,
    /// One block device, by its index in the detailed stream's list.
    Disk(usize),
    /// One network interface (not `lo`), by its index in name order.
    Interface(usize),
    /// One GPU, by index.
    Gpu(usize),
    /// Temperature sensors and fans.
    Sensors,
    /// Batteries.
    Battery,
}

/// The kinds a user may hide in Preferences, in sidebar order.
pub const KINDS: [&str; 7] = [
    "cpu", "memory", "disks", "network", "gpu", "sensors", "battery",
];

/// The scale a resource's graph uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// 0 to 100 %.
    Percent,
    /// Bytes per second (network: following the network unit).
    Rate {
        /// Network (bits or bytes as preferred) rather than disk I/O (always bytes).
        network: bool,
    },
    /// Degrees Celsius.
    Temperature,
}

/// One row of a resource's details: widget name, key, value.
pub type Row = (String, String, String);

impl Resource {
    /// The resources `vm`'s host has, in sidebar order, leaving out the kinds in `hidden`.
    pub fn present(vm: &ViewModel, hidden: &[String]) -> Vec<Resource> {
        let hw = vm.hardware();
        let mut out = vec![Resource::Cpu, Resource::Memory, Resource::Disks];
        out.extend((0..hw.map_or(0, |h| h.disk_io.len())).map(Resource::Disk));
        if vm.network.is_some() {
            out.push(Resource::Network);
            out.extend((0..vm.interfaces().len()).map(Resource::Interface));
        }
        out.extend((0..hw.map_or(0, |h| h.gpus.len())).map(Resource::Gpu));
        if hw.is_some_and(|h| !h.sensors.is_empty()) {
            out.push(Resource::Sensors);
        }
        if hw.is_some_and(|h| !h.battery.is_empty()) {
            out.push(Resource::Battery);
        }
        out.retain(|r| !hidden.iter().any(|h| h == r.kind()));
        out
    }

    /// The kind, as Preferences names it.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Disks | Self::Disk(_) => "disks",
            Self::Network | Self::Interface(_) => "network",
            Self::Gpu(_) => "gpu",
            Self::Sensors => "sensors",
            Self::Battery => "battery",
        }
    }

    /// A stable id for widget names: `cpu`, `gpu-0`, ...
    pub fn id(self) -> String {
        match self {
            Self::Gpu(i) => format!("gpu-{i}"),
            Self::Disk(i) => format!("disk-{i}"),
            Self::Interface(i) => format!("iface-{i}"),
            other => other.kind().to_owned(),
        }
    }

    /// The title: `CPU`, `GPU 1`, ...
    pub fn title(self, vm: &ViewModel) -> String {
        match self {
            Self::Cpu => "CPU".into(),
            Self::Memory => "Memory".into(),
            Self::Disks => "Disks".into(),
            Self::Network => "Network".into(),
            Self::Disk(i) => format!(
                "Disk {}",
                vm.hardware()
                    .and_then(|h| h.disk_io.get(i))
                    .map_or("?", |d| d.name.as_str())
            ),
            Self::Interface(i) => format!(
                "Network {}",
                vm.interfaces().get(i).map_or("?", String::as_str)
            ),
            Self::Gpu(i) => {
                let name = vm.hardware().and_then(|h| h.gpus.get(i)).map(|g| {
                    if g.vendor.is_empty() || g.name.starts_with(&g.vendor) {
                        g.name.clone()
                    } else {
                        format!("{} {}", g.vendor, g.name)
                    }
                });
                format!(
                    "GPU {i}{}",
                    name.map(|n| format!(" · {n}")).unwrap_or_default()
                )
            }
            Self::Sensors => "Sensors".into(),
            Self::Battery => "Battery".into(),
        }
    }

    /// The graph's scale.
    pub fn scale(self) -> Scale {
        match self {
            Self::Cpu | Self::Memory | Self::Gpu(_) | Self::Battery => Scale::Percent,
            Self::Disks | Self::Disk(_) => Scale::Rate { network: false },
            Self::Network | Self::Interface(_) => Scale::Rate { network: true },
            Self::Sensors => Scale::Temperature,
        }
    }

    /// The graphed series, with their legends.
    pub fn series(self, vm: &ViewModel) -> Vec<(&Series, &'static str)> {
        let h = &vm.history;
        match self {
            Self::Cpu => vec![(&h.cpu, "usage")],
            Self::Memory => vec![(&h.mem, "memory"), (&h.swap, "swap")],
            Self::Disks => vec![(&h.disk_read, "read"), (&h.disk_write, "written")],
            Self::Network => vec![(&h.rx, "received"), (&h.tx, "sent")],
            Self::Disk(i) => h
                .devices
                .get(i)
                .map(|(r, w)| vec![(r, "read"), (w, "written")])
                .unwrap_or_default(),
            Self::Interface(i) => vm
                .interfaces()
                .get(i)
                .and_then(|name| h.interfaces.get(name))
                .map(|(rx, tx)| vec![(rx, "received"), (tx, "sent")])
                .unwrap_or_default(),
            Self::Gpu(i) => h.gpus.get(i).map(|s| vec![(s, "busy")]).unwrap_or_default(),
            Self::Sensors => vec![(&h.hottest, "hottest")],
            Self::Battery => vec![(&h.battery, "charge")],
        }
    }

    /// The current value for the sidebar, e.g. `14.2 %` or `↓ 1.2 MiB/s ↑ 30 KiB/s`.
    pub fn value(self, vm: &ViewModel, units: Units) -> String {
        if vm.cpu.is_none() {
            return "…".into();
        }
        let hw = vm.hardware();
        match self {
            Self::Cpu => vm
                .cpu
                .as_ref()
                .map_or("…".into(), |c| format::percent(c.usage)),
            Self::Memory => format::percent(vm.mem.percent),
            Self::Disks => match (vm.history.disk_read.last(), vm.history.disk_write.last()) {
                (Some(r), Some(w)) => format!("R {}  W {}", units.rate(r), units.rate(w)),
                _ => format!("/ {}", format::percent(vm.disk.percent)),
            },
            Self::Network => {
                let (rx, tx) = (vm.history.rx.last(), vm.history.tx.last());
                format!(
                    "↓ {}  ↑ {}",
                    units.net_rate(rx.unwrap_or(0.0)),
                    units.net_rate(tx.unwrap_or(0.0))
                )
            }
            Self::Disk(i) => hw.and_then(|h| h.disk_io.get(i)).map_or("n/a".into(), |d| {
                format!(
                    "R {}  W {}",
                    units.rate(d.read_bytes_per_sec),
                    units.rate(d.write_bytes_per_sec)
                )
            }),
            Self::Interface(i) => {
                let r = vm
                    .interfaces()
                    .get(i)
                    .and_then(|n| vm.rates.get(n))
                    .copied()
                    .unwrap_or_default();
                format!("↓ {}  ↑ {}", units.net_rate(r.rx), units.net_rate(r.tx))
            }
            Self::Gpu(i) => hw
                .and_then(|h| h.gpus.get(i))
                .and_then(|g| g.busy)
                .map_or("n/a".into(), format::percent),
            Self::Sensors => units.temp(hw.and_then(|h| h.sensors.hottest())),
            Self::Battery => hw
                .and_then(|h| h.battery.first())
                .map_or("n/a".into(), |b| {
                    let pct = b.percent.map_or("n/a".into(), format::percent);
                    format!("{pct} {}", b.state.to_lowercase())
                }),
        }
    }

    /// The details rows of the resource page.
    pub fn details(self, vm: &ViewModel, units: Units) -> Vec<Row> {
        let row = |name: &str, key: &str, value: String| (name.to_owned(), key.to_owned(), value);
        let hw = vm.hardware();
        match self {
            Self::Cpu => {
                let Some(c) = &vm.cpu else { return Vec::new() };
                let [l1, l5, l15] = c.load;
                vec![
                    row("cpu-usage", "Usage", format::percent(c.usage)),
                    row("cpu-freq", "Frequency", format::mhz(c.freq)),
                    row("cpu-temp", "Temperature", units.temp(c.temp)),
                    row(
                        "cpu-load",
                        "Load average",
                        format!("{l1:.2}  {l5:.2}  {l15:.2}"),
                    ),
                    row("cpu-cores", "Logical CPUs", c.cores.len().to_string()),
                    row("platform-uptime", "Uptime", vm.platform.uptime.clone()),
                ]
            }
            Self::Memory => {
                let swap = if vm.swap.total > 0.0 {
                    units.usage(&vm.swap)
                } else {
                    "none".into()
                };
                let mut rows = vec![
                    row("mem-usage", "RAM", units.usage(&vm.mem)),
                    row("mem-free", "Available", units.gib(vm.mem.free)),
                    row("swap-usage", "Swap", swap),
                ];
                if let Some(b) = &vm.breakdown {
                    rows.extend([
                        row("mem-used", "Used by programs", units.bytes(b.used)),
                        row("mem-cache", "Cache", units.bytes(b.cache)),
                        row("mem-buffers", "Buffers", units.bytes(b.buffers)),
                        row("mem-unused", "Unused", units.bytes(b.free)),
                        row(
                            "mem-swap-used",
                            "Swap used",
                            format!(
                                "{} of {}",
                                units.bytes(b.swap_used),
                                units.bytes(b.swap_total)
                            ),
                        ),
                    ]);
                }
                rows
            }
            Self::Disks => {
                let mut rows = vec![row("disk-usage", "/", units.usage(&vm.disk))];
                for d in hw.map(|h| h.disks.as_slice()).unwrap_or_default() {
                    if d.mount != "/" {
                        let used = psmonitor_core::wire::UsageStats {
                            total: d.total,
                            used: d.used,
                            free: d.free,
                            percent: d.percent,
                        };
                        let key = format!("{} ({}, {})", d.mount, d.device, d.fs);
                        rows.push(row(&format!("disk-{}", d.mount), &key, units.usage(&used)));
                    }
                }
                for io in hw.map(|h| h.disk_io.as_slice()).unwrap_or_default() {
                    let busy = io.busy_percent.map_or("n/a".into(), format::percent);
                    rows.push(row(
                        &format!("io-{}", io.name),
                        &io.name,
                        format!(
                            "read {}  write {}  busy {busy}",
                            units.rate(io.read_bytes_per_sec),
                            units.rate(io.write_bytes_per_sec)
                        ),
                    ));
                }
                rows
            }
            Self::Network => network_rows(vm, units),
            Self::Disk(i) => device_rows(vm, i, units),
            Self::Interface(i) => interface_rows(vm, i, units),
            Self::Gpu(i) => {
                let Some(g) = hw.and_then(|h| h.gpus.get(i)) else {
                    return Vec::new();
                };
                let n = |k: &str| format!("gpu-{i}-{k}");
                let vram = match (g.vram_used, g.vram_total) {
                    (Some(u), Some(t)) => format!(
                        "{} of {}",
                        units.bytes(u * 1024.0 * 1024.0),
                        units.bytes(t * 1024.0 * 1024.0)
                    ),
                    _ => "n/a".into(),
                };
                vec![
                    row(
                        &n("busy"),
                        "Busy",
                        g.busy.map_or("n/a".into(), format::percent),
                    ),
                    row(&n("vram"), "Video memory", vram),
                    row(&n("temp"), "Temperature", units.temp(g.temp)),
                    row(
                        &n("power"),
                        "Power",
                        g.power.map_or("n/a".into(), |w| format!("{w:.1} W")),
                    ),
                    row(&n("driver"), "Driver", format!("{} ({})", g.driver, g.bus)),
                ]
            }
            Self::Sensors => {
                let Some(s) = hw.map(|h| &h.sensors) else {
                    return Vec::new();
                };
                let mut rows: Vec<Row> = s
                    .temps
                    .iter()
                    .map(|t| {
                        let key = if t.label.is_empty() {
                            t.chip.clone()
                        } else {
                            format!("{} {}", t.chip, t.label)
                        };
                        row(&format!("sensor-{key}"), &key, units.temp(Some(t.celsius)))
                    })
                    .collect();
                rows.extend(s.fans.iter().map(|f| {
                    let key = format!("{} {}", f.chip, f.label).trim().to_owned();
                    row(&format!("fan-{key}"), &key, format!("{:.0} RPM", f.rpm))
                }));
                rows.extend(s.zones.iter().map(|z| {
                    let key = format!("{} ({})", z.zone, z.kind);
                    row(
                        &format!("zone-{}", z.zone),
                        &key,
                        units.temp(Some(z.celsius)),
                    )
                }));
                rows
            }
            Self::Battery => hw
                .map(|h| h.battery.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|b| {
                    let pct = b.percent.map_or("n/a".into(), format::percent);
                    let power = b.power.map_or(String::new(), |w| format!(", {w:.2} W"));
                    row(
                        &format!("battery-{}", b.name),
                        &b.name,
                        format!("{pct}, {}{power}", b.state),
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
