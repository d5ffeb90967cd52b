//! `/sys/class/power_supply`: the host's batteries (charge, state, power draw).

use std::fs;
use std::path::Path;

use psmonitor_core::model::BatteryReading;

/// Reads every system battery under `root` (normally `/sys/class/power_supply`), sorted by name.
///
/// Supplies of another `type` (`Mains`, `USB`) and peripheral batteries (`scope` `Device`: mice,
/// keyboards) are left out. A value the driver does not expose, or a file that cannot be read
/// (the battery was removed mid-read), is `None`; a missing `root` gives none.
pub fn read_batteries(root: &Path) -> Vec<BatteryReading> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut batteries: Vec<BatteryReading> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let dir = entry.path();
            let text = |file: &str| {
                fs::read_to_string(dir.join(file))
                    .ok()
                    .map(|t| t.trim().to_owned())
            };
            let number = |file: &str| text(file)?.parse::<f64>().ok();
            if text("type")? != "Battery" || text("scope").as_deref() == Some("Device") {
                return None;
            }
            // power_now is in µW; otherwise µA times µV.
            let power_watts = number("power_now")
                .map(|uw| uw / 1e6)
                .or_else(|| Some(number("current_now")? * number("voltage_now")? / 1e12));
            Some(BatteryReading {
                name: entry.file_name().to_string_lossy().into_owned(),
                percent: number("capacity"),
                state: text("status").unwrap_or_default(),
                power_watts,
            })
        })
        .collect();
    batteries.sort_by(|a, b| a.name.cmp(&b.name));
    batteries
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn tree(host: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("testdata/{host}/sys/class/power_supply"))
    }

    #[test]
    fn reads_charge_state_and_power_from_either_pair_of_files() {
        let batteries = read_batteries(&tree("intel-laptop"));
        assert_eq!(
            batteries,
            [
                BatteryReading {
                    name: "BAT0".into(),
                    percent: Some(87.0),
                    state: "Discharging".into(),
                    power_watts: Some(9.5),
                },
                BatteryReading {
                    name: "BAT1".into(),
                    percent: Some(40.0),
                    state: "Charging".into(),
                    power_watts: Some(18.0),
                },
            ]
        );
    }

    #[test]
    fn mains_only_and_missing_roots_give_no_battery() {
        assert!(read_batteries(&tree("amd-desktop")).is_empty());
        assert!(read_batteries(Path::new("/nonexistent")).is_empty());
    }

    #[test]
    fn values_that_vanish_are_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bat = dir.path().join("BAT0");
        fs::create_dir_all(&bat).expect("mkdir");
        fs::write(bat.join("type"), "Battery\n").expect("type");
        fs::write(bat.join("capacity"), "not a number\n").expect("capacity");
        let batteries = read_batteries(dir.path());
        assert_eq!(batteries.len(), 1);
        assert_eq!(batteries[0].percent, None);
        assert_eq!(batteries[0].power_watts, None);
        assert_eq!(batteries[0].state, "");
    }
}
