//! `/sys/class/power_supply`: the host's batteries (charge, state, power draw).

use std::fs;
use std::path::{Path, PathBuf};

use psmonitor_core::model::BatteryReading;

/// Reads every system battery under `root` (normally `/sys/class/power_supply`), sorted by name.
///
/// Supplies of another `type` (`Mains`, `USB`) and peripheral batteries (`scope` `Device`: mice,
/// keyboards) are left out. A value the driver does not expose, or a file that cannot be read
/// (the battery was removed mid-read), is `None`; a missing `root` gives none.
pub fn read_batteries(root: &Path) -> Vec<BatteryReading> {
    read_batteries_in(&find_batteries(root))
}

/// The system batteries' directories under `root`, sorted by name (see [`read_batteries`]):
/// the scan a collector repeats only now and then.
pub fn find_batteries(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| {
            text(dir, "type").as_deref() == Some("Battery")
                && text(dir, "scope").as_deref() != Some("Device")
        })
        .collect();
    dirs.sort();
    dirs
}

/// Reads the batteries found by [`find_batteries`]; one whose directory is gone (unplugged
/// since the scan) is left out.
pub fn read_batteries_in(dirs: &[PathBuf]) -> Vec<BatteryReading> {
    dirs.iter()
        .filter(|dir| dir.join("type").exists())
        .map(|dir| {
            let number = |file: &str| text(dir, file)?.parse::<f64>().ok();
            // power_now is in µW; otherwise µA times µV.
            let power_watts = number("power_now")
                .map(|uw| uw / 1e6)
                .or_else(|| Some(number("current_now")? * number("voltage_now")? / 1e12));
            BatteryReading {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                percent: number("capacity"),
                state: text(dir, "status").unwrap_or_default(),
                power_watts,
            }
        })
        .collect()
}

/// The trimmed text of `dir/file`, `None` when it cannot be read.
fn text(dir: &Path, file: &str) -> Option<String> {
    fs::read_to_string(dir.join(file))
        .ok()
        .map(|t| t.trim().to_owned())
}

#[cfg(test)]
mod tests {

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

    #[test]
    fn found_batteries_are_read_again_and_one_unplugged_since_is_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, capacity) in [("BAT0", "50"), ("BAT1", "60")] {
            let bat = dir.path().join(name);
            fs::create_dir_all(&bat).expect("mkdir");
            fs::write(bat.join("type"), "Battery\n").expect("type");
            fs::write(bat.join("capacity"), capacity).expect("capacity");
        }
        let found = find_batteries(dir.path());
        assert_eq!(found.len(), 2);
        fs::write(dir.path().join("BAT0/capacity"), "49").expect("capacity");
        fs::remove_dir_all(dir.path().join("BAT1")).expect("unplug");
        let batteries = read_batteries_in(&found);
        assert_eq!(batteries.len(), 1);
        assert_eq!(
            (batteries[0].name.as_str(), batteries[0].percent),
            ("BAT0", Some(49.0))
        );
    }
}
