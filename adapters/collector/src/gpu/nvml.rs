//! NVIDIA GPUs through NVML, loaded with `dlopen` at run time: a host without the NVIDIA driver
//! simply has no NVML, and so no NVIDIA GPU in its readings.

use std::ffi::OsStr;

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::TemperatureSensor;
use nvml_wrapper::error::NvmlError;
use psmonitor_core::model::GpuReading;

/// The NVML library names tried in order: the versioned one every driver install has, then the
/// unversioned one (only with development packages) and Windows' DLL.
const LIBRARIES: &[&str] = &["libnvidia-ml.so.1", "libnvidia-ml.so", "nvml.dll"];

/// A loaded NVML.
#[derive(Debug)]
pub struct NvmlGpus {
    nvml: Nvml,
}

impl NvmlGpus {
    /// Loads and initialises NVML; `None` when the library is absent or the driver refuses.
    pub fn load() -> Option<Self> {
        LIBRARIES.iter().find_map(|lib| {
            let nvml = Nvml::builder().lib_path(OsStr::new(lib)).init().ok()?;
            Some(Self { nvml })
        })
    }

    /// Reads every NVIDIA GPU; a GPU NVML cannot open is absent, a value it fails to report is
    /// `None`.
    pub fn read(&self) -> Vec<GpuReading> {
        let count = self.nvml.device_count().unwrap_or(0);
        (0..count)
            .filter_map(|i| {
                let device = self.nvml.device_by_index(i).ok()?;
                let memory = device.memory_info();
                Some(reading(DeviceValues {
                    name: device.name(),
                    bus: device.pci_info().map(|p| p.bus_id),
                    busy_percent: device.utilization_rates().map(|u| u.gpu),
                    vram: memory.map(|m| (m.used, m.total)),
                    celsius: device.temperature(TemperatureSensor::Gpu),
                    power_mw: device.power_usage(),
                }))
            })
            .collect()
    }
}

/// What NVML answered for one GPU, each value on its own.
#[derive(Debug)]
pub struct DeviceValues {
    /// `nvmlDeviceGetName`.
    pub name: Result<String, NvmlError>,
    /// The PCI bus id.
    pub bus: Result<String, NvmlError>,
    /// GPU utilisation in percent.
    pub busy_percent: Result<u32, NvmlError>,
    /// Video memory used and total, bytes.
    pub vram: Result<(u64, u64), NvmlError>,
    /// Die temperature in degrees Celsius.
    pub celsius: Result<u32, NvmlError>,
    /// Power draw in milliwatts.
    pub power_mw: Result<u32, NvmlError>,
}

/// The reading of one GPU: every failed value is `None` (or empty text), the rest is kept.
pub fn reading(values: DeviceValues) -> GpuReading {
    let vram = values.vram.ok();
    GpuReading {
        vendor: "NVIDIA".to_owned(),
        name: values.name.unwrap_or_else(|_| "NVIDIA GPU".to_owned()),
        driver: "nvidia".to_owned(),
        bus: values
            .bus
            .map(|b| b.to_ascii_lowercase())
            .unwrap_or_default(),
        busy_percent: values.busy_percent.ok().map(f64::from),
        vram_used: vram.map(|(used, _)| used),
        vram_total: vram.map(|(_, total)| total),
        celsius: values.celsius.ok().map(f64::from),
        power_watts: values.power_mw.ok().map(|mw| f64::from(mw) / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> DeviceValues {
        DeviceValues {
            name: Ok("NVIDIA GeForce RTX 4070".into()),
            bus: Ok("00000000:01:00.0".into()),
            busy_percent: Ok(63),
            vram: Ok((3 << 30, 12 << 30)),
            celsius: Ok(58),
            power_mw: Ok(142_500),
        }
    }

    #[test]
    fn maps_nvml_values_to_the_reading() {
        let gpu = reading(healthy());
        assert_eq!(gpu.name, "NVIDIA GeForce RTX 4070");
        assert_eq!(gpu.bus, "00000000:01:00.0");
        assert_eq!(gpu.busy_percent, Some(63.0));
        assert_eq!(
            (gpu.vram_used, gpu.vram_total),
            (Some(3 << 30), Some(12 << 30))
        );
        assert_eq!((gpu.celsius, gpu.power_watts), (Some(58.0), Some(142.5)));
    }

    #[test]
    fn a_driver_error_gives_null_for_that_value_and_keeps_the_rest() {
        let gpu = reading(DeviceValues {
            busy_percent: Err(NvmlError::GpuLost),
            power_mw: Err(NvmlError::NotSupported),
            name: Err(NvmlError::Unknown),
            ..healthy()
        });
        assert_eq!(gpu.busy_percent, None);
        assert_eq!(gpu.power_watts, None);
        assert_eq!(gpu.name, "NVIDIA GPU");
        assert_eq!(gpu.celsius, Some(58.0));
    }

    #[test]
    fn without_the_library_there_is_no_nvml() {
        // This host has no NVIDIA driver; where it has one this test says nothing.
        if std::path::Path::new("/proc/driver/nvidia").exists() {
            return;
        }
        assert!(NvmlGpus::load().is_none());
    }
}
