//! AMD and Intel GPUs from `/sys/class/drm/card<N>/device`: `gpu_busy_percent`,
//! `mem_info_vram_used` / `mem_info_vram_total` (amdgpu) and the card's hwmon (temperature,
//! power). What a driver does not expose (i915 has no busy figure in sysfs) is `None`.

use std::fs;
use std::path::{Path, PathBuf};

use psmonitor_core::model::GpuReading;

use super::vendor_name;
use crate::sysfs::parse_thousandths;

/// NVIDIA's PCI vendor id: its cards are read through NVML, not sysfs.
const NVIDIA: &str = "0x10de";

/// One DRM card found by [`find_cards`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// `card0`, `card1`, ...
    pub card: String,
    /// Its `device` directory.
    pub device: PathBuf,
    /// The vendor name.
    pub vendor: String,
    /// The kernel driver from `uevent`.
    pub driver: String,
    /// The PCI address from `uevent`.
    pub bus: String,
    /// The card's first hwmon directory, if it has one.
    pub hwmon: Option<PathBuf>,
}

/// Finds the GPUs under `root` (normally `/sys/class/drm`): `card<N>` entries (not connectors
/// like `card0-DP-1`, nor render nodes) with a PCI vendor, NVIDIA's left to NVML; in card order.
pub fn find_cards(root: &Path) -> Vec<Card> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut cards: Vec<(u32, Card)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let card = entry.file_name().into_string().ok()?;
            let number: u32 = card.strip_prefix("card")?.parse().ok()?;
            let device = entry.path().join("device");
            let vendor = fs::read_to_string(device.join("vendor")).ok()?;
            if vendor.trim().eq_ignore_ascii_case(NVIDIA) {
                return None;
            }
            let uevent = fs::read_to_string(device.join("uevent")).unwrap_or_default();
            let field = |key: &str| {
                uevent
                    .lines()
                    .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                    .unwrap_or_default()
                    .to_owned()
            };
            let hwmon = first_numbered(&device.join("hwmon"), "hwmon");
            Some((
                number,
                Card {
                    vendor: vendor_name(&vendor),
                    driver: field("DRIVER"),
                    bus: field("PCI_SLOT_NAME"),
                    card,
                    device,
                    hwmon,
                },
            ))
        })
        .collect();
    cards.sort_by_key(|(number, _)| *number);
    cards.into_iter().map(|(_, card)| card).collect()
}

/// Whether every NVIDIA card under `root` (normally `/sys/class/drm`) is runtime-suspended, so
/// NVML (which would wake them) should not be asked; `false` when there is none to tell by.
pub fn nvidia_all_suspended(root: &Path) -> bool {
    let Ok(entries) = fs::read_dir(root) else {
        return false;
    };
    let statuses: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("card"))
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .map(|e| e.path().join("device"))
        .filter(|d| {
            fs::read_to_string(d.join("vendor"))
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case(NVIDIA))
        })
        .map(|d| fs::read_to_string(d.join("power/runtime_status")).unwrap_or_default())
        .collect();
    !statuses.is_empty() && statuses.iter().all(|s| s.trim() == "suspended")
}

/// Reads one card's current figures; each unreadable value (the driver errors, the file is not
/// there) is `None`, the others are still read.
///
/// A card that runtime power management has suspended (a laptop's idle discrete GPU) is not
/// read at all, since reading its files would wake it up: every value is `None`.
pub fn read_card(card: &Card) -> GpuReading {
    let runtime = fs::read_to_string(card.device.join("power/runtime_status")).unwrap_or_default();
    if runtime.trim() == "suspended" {
        return GpuReading {
            vendor: card.vendor.clone(),
            name: card.card.clone(),
            driver: card.driver.clone(),
            bus: card.bus.clone(),
            ..GpuReading::default()
        };
    }
    let number =
        |path: PathBuf| -> Option<f64> { fs::read_to_string(path).ok()?.trim().parse().ok() };
    let bytes = |file: &str| -> Option<u64> {
        fs::read_to_string(card.device.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    let hwmon = card.hwmon.as_deref();
    let celsius = hwmon.and_then(|h| {
        let input = first_numbered_file(h, "temp", "_input")?;
        parse_thousandths(&fs::read_to_string(input).ok()?)
    });
    // Microwatts: the average where the driver keeps one (amdgpu), else the instant value.
    let power_watts = hwmon.and_then(|h| {
        number(h.join("power1_average"))
            .or_else(|| number(h.join("power1_input")))
            .map(|uw| uw / 1e6)
    });
    GpuReading {
        vendor: card.vendor.clone(),
        name: card.card.clone(),
        driver: card.driver.clone(),
        bus: card.bus.clone(),
        busy_percent: number(card.device.join("gpu_busy_percent")),
        vram_used: bytes("mem_info_vram_used"),
        vram_total: bytes("mem_info_vram_total"),
        celsius,
        power_watts,
    }
}

/// The entry `<prefix><N>` of `dir` with the lowest N.
fn first_numbered(dir: &Path, prefix: &str) -> Option<PathBuf> {
    first_numbered_file(dir, prefix, "")
}

/// The entry `<prefix><N><suffix>` of `dir` with the lowest N.
fn first_numbered_file(dir: &Path, prefix: &str, suffix: &str) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let n: u32 = name
                .strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse()
                .ok()?;
            Some((n, entry.path()))
        })
        .min()
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(host: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/{host}/sys/class/drm"))
    }

    #[test]
    fn an_amd_card_reports_busy_vram_temperature_and_power() {
        let cards = find_cards(&tree("amd-desktop"));
        assert_eq!(
            cards.len(),
            1,
            "connectors and render nodes are no cards: {cards:?}"
        );
        let gpu = read_card(&cards[0]);
        assert_eq!(
            gpu,
            GpuReading {
                vendor: "AMD".into(),
                name: "card1".into(),
                driver: "amdgpu".into(),
                bus: "0000:03:00.0".into(),
                busy_percent: Some(37.0),
                vram_used: Some(1 << 30),
                vram_total: Some(17_163_091_968),
                celsius: Some(54.0),
                power_watts: Some(45.0),
            }
        );
    }

    #[test]
    fn an_intel_card_without_busy_or_hwmon_has_nulls() {
        let cards = find_cards(&tree("intel-laptop"));
        let gpu = read_card(&cards[0]);
        assert_eq!(
            (gpu.vendor.as_str(), gpu.driver.as_str()),
            ("Intel", "i915")
        );
        assert_eq!(gpu.busy_percent, None);
        assert_eq!(
            (gpu.vram_used, gpu.celsius, gpu.power_watts),
            (None, None, None)
        );
    }

    #[test]
    fn a_driver_error_on_one_file_gives_null_for_that_value_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = dir.path().join("card0/device");
        fs::create_dir_all(&device).expect("mkdir");
        fs::write(device.join("vendor"), "0x1002\n").expect("vendor");
        fs::write(device.join("uevent"), "DRIVER=amdgpu\n").expect("uevent");
        fs::write(device.join("mem_info_vram_total"), "1024\n").expect("total");
        // A read that fails (EISDIR stands in for the EIO a hung GPU gives).
        fs::create_dir_all(device.join("gpu_busy_percent")).expect("busy");
        fs::write(device.join("mem_info_vram_used"), "").expect("used");
        fs::create_dir_all(dir.path().join("card9/device")).expect("no vendor");
        let cards = find_cards(dir.path());
        assert_eq!(cards.len(), 1);
        let gpu = read_card(&cards[0]);
        assert_eq!(gpu.busy_percent, None);
        assert_eq!(gpu.vram_used, None);
        assert_eq!(gpu.vram_total, Some(1024));
    }

    #[test]
    fn a_suspended_card_is_not_woken_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = dir.path().join("card1/device");
        fs::create_dir_all(device.join("power")).expect("mkdir");
        fs::write(device.join("vendor"), "0x1002\n").expect("vendor");
        fs::write(device.join("gpu_busy_percent"), "12\n").expect("busy");
        fs::write(device.join("power/runtime_status"), "suspended\n").expect("status");
        let cards = find_cards(dir.path());
        assert_eq!(read_card(&cards[0]).busy_percent, None);
        fs::write(device.join("power/runtime_status"), "active\n").expect("status");
        assert_eq!(read_card(&cards[0]).busy_percent, Some(12.0));
    }

    #[test]
    fn nvidia_cards_are_left_to_nvml_and_a_missing_root_gives_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = dir.path().join("card0/device");
        fs::create_dir_all(&device).expect("mkdir");
        fs::write(device.join("vendor"), "0x10de\n").expect("vendor");
        assert!(find_cards(dir.path()).is_empty());
        assert!(find_cards(Path::new("/nonexistent")).is_empty());
        assert!(!nvidia_all_suspended(dir.path()), "no status: ask NVML");
        fs::create_dir_all(device.join("power")).expect("mkdir");
        fs::write(device.join("power/runtime_status"), "suspended\n").expect("status");
        assert!(nvidia_all_suspended(dir.path()));
        assert!(!nvidia_all_suspended(Path::new("/nonexistent")));
    }
}
