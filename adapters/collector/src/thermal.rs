//! `/sys/class/thermal`: every thermal zone's type and temperature.

use std::fs;
use std::path::{Path, PathBuf};

use psmonitor_core::model::ThermalZone;

use crate::sysfs::parse_thousandths;

/// One thermal zone found by [`find_zones`], read each sample by [`read_zones`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneInput {
    /// The zone directory name, e.g. `thermal_zone0`.
    pub zone: String,
    /// Its `type`.
    pub kind: String,
    /// Its `temp` file (millidegrees).
    pub path: PathBuf,
}

/// Finds every `thermal_zone<N>` under `root` (normally `/sys/class/thermal`), in zone order;
/// a missing `root` gives none.
pub fn find_zones(root: &Path) -> Vec<ZoneInput> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut zones: Vec<(u32, ZoneInput)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let zone = entry.file_name().into_string().ok()?;
            let number = zone.strip_prefix("thermal_zone")?.parse().ok()?;
            let dir = entry.path();
            let kind = fs::read_to_string(dir.join("type")).unwrap_or_default();
            Some((
                number,
                ZoneInput {
                    kind: kind.trim().to_owned(),
                    path: dir.join("temp"),
                    zone,
                },
            ))
        })
        .collect();
    zones.sort_by_key(|(number, _)| *number);
    zones.into_iter().map(|(_, zone)| zone).collect()
}

/// Reads each zone's temperature; a zone whose `temp` is unreadable or malformed (some drivers
/// answer `ENODATA` while their device sleeps) is absent.
pub fn read_zones(zones: &[ZoneInput]) -> Vec<ThermalZone> {
    zones
        .iter()
        .filter_map(|z| {
            let celsius = parse_thousandths(&fs::read_to_string(&z.path).ok()?)?;
            Some(ThermalZone {
                zone: z.zone.clone(),
                kind: z.kind.clone(),
                celsius,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(host: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/{host}/sys/class/thermal"))
    }

    #[test]
    fn reads_zones_in_order_and_skips_cooling_devices() {
        let zones = read_zones(&find_zones(&tree("amd-desktop")));
        assert_eq!(
            zones,
            [ThermalZone {
                zone: "thermal_zone0".into(),
                kind: "acpitz".into(),
                celsius: 27.8
            }]
        );
    }

    #[test]
    fn a_zone_without_a_readable_temp_is_absent() {
        let found = find_zones(&tree("intel-laptop"));
        assert_eq!(found.len(), 2);
        let zones = read_zones(&found);
        assert_eq!(zones.len(), 1);
        assert_eq!(
            (zones[0].kind.as_str(), zones[0].celsius),
            ("x86_pkg_temp", 52.0)
        );
        assert!(find_zones(Path::new("/nonexistent")).is_empty());
    }
}
