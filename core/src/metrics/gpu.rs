//! GPUs as `psmonitor_gpu_*` (node_exporter has no vendor-neutral GPU collector).
//!
//! Every GPU is identified by the `gpu` label: its PCI address, or its name when the address is
//! unknown. `psmonitor_gpu_info` maps that label to the vendor, product name and driver, so the
//! value families stay small; a value the driver does not expose is left out, not written as 0.

use std::collections::BTreeSet;

use crate::model::{GpuReading, HostReading};

use super::{Kind, Writer};

fn gpu_label(g: &GpuReading) -> &str {
    if g.bus.is_empty() { &g.name } else { &g.bus }
}

/// Writes the `psmonitor_gpu_*` families of `r`.
pub(super) fn write(w: &mut Writer, r: &HostReading) {
    let mut seen = BTreeSet::new();
    let gpus: Vec<_> = r
        .gpus
        .iter()
        .filter(|g| seen.insert(gpu_label(g)))
        .collect();

    type Field = fn(&GpuReading) -> Option<f64>;
    let fields: [(&str, &str, Field); 5] = [
        (
            "psmonitor_gpu_busy_percent",
            "How busy the GPU is, in percent.",
            |g| g.busy_percent,
        ),
        (
            "psmonitor_gpu_memory_total_bytes",
            "The GPU's video memory in total, in bytes.",
            |g| g.vram_total.map(|b| b as f64),
        ),
        (
            "psmonitor_gpu_memory_used_bytes",
            "The GPU's video memory in use, in bytes.",
            |g| g.vram_used.map(|b| b as f64),
        ),
        (
            "psmonitor_gpu_power_watts",
            "The GPU's power draw, in watts.",
            |g| g.power_watts,
        ),
        (
            "psmonitor_gpu_temperature_celsius",
            "The GPU's temperature, in degrees Celsius.",
            |g| g.celsius,
        ),
    ];
    for (name, help, field) in fields {
        w.family(name, Kind::Gauge, help);
        for g in &gpus {
            if let Some(v) = field(g).filter(|v| v.is_finite()) {
                w.sample(&[("gpu", gpu_label(g))], v);
            }
        }
    }

    w.family(
        "psmonitor_gpu_info",
        Kind::Gauge,
        "A metric with a constant '1' value labeled by each GPU's vendor, name and driver.",
    );
    for g in &gpus {
        w.sample(
            &[
                ("driver", &g.driver),
                ("gpu", gpu_label(g)),
                ("name", &g.name),
                ("vendor", &g.vendor),
            ],
            1.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsFormat;

    #[test]
    fn gpus_are_keyed_by_bus_and_unknown_values_left_out() {
        let r = HostReading {
            gpus: vec![
                GpuReading {
                    vendor: "AMD".into(),
                    name: "card0".into(),
                    driver: "amdgpu".into(),
                    bus: "0000:03:00.0".into(),
                    busy_percent: Some(37.0),
                    vram_used: Some(1024),
                    vram_total: Some(8192),
                    celsius: Some(55.0),
                    power_watts: None,
                },
                GpuReading {
                    vendor: "Intel".into(),
                    name: "card1".into(),
                    driver: "i915".into(),
                    ..GpuReading::default()
                },
            ],
            ..HostReading::default()
        };
        let mut w = Writer::new(MetricsFormat::Text);
        write(&mut w, &r);
        let text = w.finish();
        assert!(text.contains("psmonitor_gpu_busy_percent{gpu=\"0000:03:00.0\"} 37\n"));
        assert!(text.contains("psmonitor_gpu_memory_used_bytes{gpu=\"0000:03:00.0\"} 1024\n"));
        assert!(text.contains("psmonitor_gpu_memory_total_bytes{gpu=\"0000:03:00.0\"} 8192\n"));
        assert!(text.contains("psmonitor_gpu_temperature_celsius{gpu=\"0000:03:00.0\"} 55\n"));
        assert!(!text.contains("psmonitor_gpu_power_watts"), "{text}");
        assert!(text.contains(
            "psmonitor_gpu_info{driver=\"i915\",gpu=\"card1\",name=\"card1\",vendor=\"Intel\"} 1\n"
        ));
        assert_eq!(text.matches("psmonitor_gpu_busy_percent{").count(), 1);
    }
}
