//! GPUs: AMD and Intel through the DRM sysfs entries ([`drm`]), NVIDIA through NVML loaded at
//! run time ([`nvml`]; no link dependency, no NVIDIA GPU when the library is absent).

pub mod drm;
#[cfg(any(target_os = "linux", target_os = "windows"))]
pub mod nvml;

/// The vendor name of a PCI vendor id such as `0x1002`; the id itself when unknown.
pub fn vendor_name(id: &str) -> String {
    match id.trim().to_ascii_lowercase().as_str() {
        "0x1002" => "AMD".to_owned(),
        "0x8086" => "Intel".to_owned(),
        "0x10de" => "NVIDIA".to_owned(),
        other => other.to_owned(),
    }
}
