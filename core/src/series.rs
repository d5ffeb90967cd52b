//! History series of one sampling tick: the values DESIGN 5.4 names, taken from the derived
//! snapshot (so history shows exactly what `/system` and `/network` showed).
//!
//! A series name is `metric` or `metric@instance`: `cpu.usage`, `cpu.usage@N` (core N),
//! `cpu.temp`, `cpu.freq`, `load.1`, `load.5`, `load.15`, `mem.percent`, `mem.used_bytes`,
//! `swap.percent`, `disk.percent@<mount>`, `net.rx_bytes_per_sec@<iface>`,
//! `net.tx_bytes_per_sec@<iface>`. A value the host does not have (no sensor, no frequency, no
//! swap) is left out rather than written as zero.

use std::collections::BTreeMap;

use crate::derive::memory;
use crate::model::HostReading;
use crate::snapshot::Derived;

/// The values of one tick, by series name (sorted, so encodings are deterministic).
pub type SeriesValues = BTreeMap<String, f64>;

/// Metrics that take no instance.
const PLAIN: &[&str] = &[
    "cpu.usage",
    "cpu.temp",
    "cpu.freq",
    "load.1",
    "load.5",
    "load.15",
    "mem.percent",
    "mem.used_bytes",
    "swap.percent",
];

/// Metrics that take (or, for `cpu.usage`, may take) an `@instance`.
const WITH_INSTANCE: &[&str] = &[
    "cpu.usage",
    "disk.percent",
    "net.rx_bytes_per_sec",
    "net.tx_bytes_per_sec",
];

/// Whether `name` is a well-formed series name of a known metric (present on this host or not).
#[must_use]
pub fn is_known_name(name: &str) -> bool {
    match name.split_once('@') {
        None => PLAIN.contains(&name),
        Some(("cpu.usage", core)) => {
            !core.is_empty() && core.len() <= 5 && core.bytes().all(|b| b.is_ascii_digit())
        }
        Some((metric, instance)) => {
            WITH_INSTANCE.contains(&metric) && !instance.is_empty() && instance.len() <= 255
        }
    }
}

/// The series values of one tick: `derived` is the snapshot of `cur` (and its predecessor).
#[must_use]
pub fn series_values(derived: &Derived, cur: &HostReading) -> SeriesValues {
    let mut out = SeriesValues::new();
    let mut put = |name: String, value: f64| {
        if value.is_finite() {
            out.insert(name, value);
        }
    };
    let cpu = &derived.system.cpu;
    put("cpu.usage".into(), cpu.usage);
    for (i, usage) in cpu.cores.iter().enumerate() {
        put(format!("cpu.usage@{i}"), *usage);
    }
    if let Some(temp) = cpu.temp {
        put("cpu.temp".into(), temp);
    }
    if let Some(freq) = cpu.freq {
        put("cpu.freq".into(), freq);
    }
    for (name, load) in ["load.1", "load.5", "load.15"].iter().zip(cpu.load) {
        put((*name).into(), load);
    }
    put("mem.percent".into(), derived.system.mem.percent);
    put(
        "mem.used_bytes".into(),
        memory::used_bytes(&cur.memory) as f64,
    );
    if cur.memory.swap_total > 0 {
        put("swap.percent".into(), derived.system.swap.percent);
    }
    for disk in &derived.system.disks {
        put(format!("disk.percent@{}", disk.mount), disk.percent);
    }
    for (iface, stats) in &derived.network.statistics {
        put(
            format!("net.rx_bytes_per_sec@{iface}"),
            stats.rx_bytes_per_sec,
        );
        put(
            format!("net.tx_bytes_per_sec@{iface}"),
            stats.tx_bytes_per_sec,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_known_metrics_with_and_without_instances() {
        for ok in [
            "cpu.usage",
            "cpu.usage@0",
            "cpu.usage@15",
            "load.15",
            "mem.used_bytes",
            "disk.percent@/home",
            "net.rx_bytes_per_sec@eth0",
        ] {
            assert!(is_known_name(ok), "{ok}");
        }
        for bad in [
            "",
            "cpu",
            "cpu.usage@",
            "cpu.usage@x",
            "disk.percent",
            "disk.percent@",
            "load.1@0",
            "mem.percent@x",
            "nope@eth0",
        ] {
            assert!(!is_known_name(bad), "{bad}");
        }
    }
}
