//! `/sys`: hwmon temperature sensors and fans, and cpufreq frequencies. Missing entries give
//! nothing.

use std::fs;
use std::path::{Path, PathBuf};

use psmonitor_core::model::{FanSensor, HwmonChip, TempSensor};

use crate::procfs::system::average;

/// Parses a sysfs integer in thousandths (millidegrees, kHz) into units; `None` when malformed.
pub fn parse_thousandths(text: &str) -> Option<f64> {
    let value: i64 = text.trim().parse().ok()?;
    #[allow(clippy::cast_precision_loss)] // sysfs readings are far below 2^52
    Some(value as f64 / 1000.0)
}

/// One `temp*_input` file found under hwmon, with what it measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SensorInput {
    /// The chip: the `name` file of its hwmon directory.
    pub chip: String,
    /// The `temp*_label` file, empty when absent.
    pub label: String,
    /// node_exporter's name of the chip ([`chip_id`]).
    pub chip_id: String,
    /// The input's file prefix, e.g. `temp1`, `fan2`.
    pub sensor: String,
    /// The `temp*_input` file.
    pub path: PathBuf,
}

/// Finds every `temp*_input` under `root` (normally `/sys/class/hwmon`), in hwmon and sensor
/// order, with its chip and label; a missing `root` gives none. Values are not read here, so the
/// list can be kept and re-read each sample with [`read_inputs`].
pub fn find_sensors(root: &Path) -> Vec<SensorInput> {
    let mut inputs = Vec::new();
    for (_, dir) in numbered_entries(root, "hwmon", "") {
        let chip = read_trimmed(&dir.join("name")).unwrap_or_default();
        let id = chip_id(&dir);
        for (number, path) in numbered_entries(&dir, "temp", "_input") {
            inputs.push(SensorInput {
                chip: chip.clone(),
                label: read_trimmed(&dir.join(format!("temp{number}_label"))).unwrap_or_default(),
                chip_id: id.clone(),
                sensor: format!("temp{number}"),
                path,
            });
        }
    }
    inputs
}

/// Reads the current value of each input; unreadable ones (some report `ENODATA`) are skipped.
pub fn read_inputs(inputs: &[SensorInput]) -> Vec<TempSensor> {
    inputs
        .iter()
        .filter_map(|input| {
            let celsius = read_trimmed(&input.path).and_then(|t| parse_thousandths(&t))?;
            Some(TempSensor {
                chip: input.chip.clone(),
                label: input.label.clone(),
                celsius,
                chip_id: input.chip_id.clone(),
                sensor: input.sensor.clone(),
            })
        })
        .collect()
}

/// Finds every `fan*_input` under `root` (normally `/sys/class/hwmon`), as [`find_sensors`]
/// does for temperatures; read them each sample with [`read_fans`].
pub fn find_fans(root: &Path) -> Vec<SensorInput> {
    let mut inputs = Vec::new();
    for (_, dir) in numbered_entries(root, "hwmon", "") {
        let chip = read_trimmed(&dir.join("name")).unwrap_or_default();
        let id = chip_id(&dir);
        for (number, path) in numbered_entries(&dir, "fan", "_input") {
            inputs.push(SensorInput {
                chip: chip.clone(),
                label: read_trimmed(&dir.join(format!("fan{number}_label"))).unwrap_or_default(),
                chip_id: id.clone(),
                sensor: format!("fan{number}"),
                path,
            });
        }
    }
    inputs
}

/// Reads the RPM of each fan input; an unreadable or malformed one (a file that vanished since
/// the scan, a driver error) is absent from the result.
pub fn read_fans(inputs: &[SensorInput]) -> Vec<FanSensor> {
    inputs
        .iter()
        .filter_map(|input| {
            let rpm: u32 = read_trimmed(&input.path)?.parse().ok()?;
            Some(FanSensor {
                chip: input.chip.clone(),
                label: input.label.clone(),
                rpm: f64::from(rpm),
                chip_id: input.chip_id.clone(),
                sensor: input.sensor.clone(),
            })
        })
        .collect()
}

/// Reads every `temp*_input` under `root` (normally `/sys/class/hwmon`), in hwmon and sensor order.
///
/// The chip is the `name` file of its hwmon directory, the label the `temp*_label` file (empty when
/// absent). Unreadable sensors (some report `ENODATA`) are skipped; a missing `root` gives none.
pub fn read_sensors(root: &Path) -> Vec<TempSensor> {
    read_inputs(&find_sensors(root))
}

/// Averages `cpu<i>/cpufreq/scaling_cur_freq` (kHz) under `root` (normally
/// `/sys/devices/system/cpu`) over the first `cores` CPUs, in MHz; `None` when none is readable.
pub fn read_cpu_freq_mhz(root: &Path, cores: usize) -> Option<f64> {
    read_freq_mhz(&cpu_freq_paths(root, cores))
}

/// The `scaling_cur_freq` files of the first `cores` CPUs under `root`, for [`read_freq_mhz`].
pub fn cpu_freq_paths(root: &Path, cores: usize) -> Vec<PathBuf> {
    (0..cores)
        .map(|i| root.join(format!("cpu{i}/cpufreq/scaling_cur_freq")))
        .collect()
}

/// Averages the readable, positive kHz values of `paths`, in MHz; `None` when none is readable.
pub fn read_freq_mhz(paths: &[PathBuf]) -> Option<f64> {
    average_mhz(&read_freqs_mhz(paths))
}

/// The value of each of `paths` in MHz (kHz files), `None` where unreadable or not positive.
pub fn read_freqs_mhz(paths: &[PathBuf]) -> Vec<Option<f64>> {
    paths
        .iter()
        .map(|path| {
            read_trimmed(path)
                .and_then(|t| parse_thousandths(&t))
                .filter(|mhz| *mhz > 0.0)
        })
        .collect()
}

/// The mean of the known values of [`read_freqs_mhz`]; `None` when none is known.
pub fn average_mhz(values: &[Option<f64>]) -> Option<f64> {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    average(&known)
}

/// Every hwmon chip under `root` (normally `/sys/class/hwmon`) with a `name` file: its
/// [`chip_id`] and that name, for `node_hwmon_chip_names`.
pub fn find_chips(root: &Path) -> Vec<HwmonChip> {
    numbered_entries(root, "hwmon", "")
        .into_iter()
        .filter_map(|(_, dir)| {
            Some(HwmonChip {
                name: read_trimmed(&dir.join("name")).filter(|n| !n.is_empty())?,
                chip: chip_id(&dir),
            })
        })
        .collect()
}

/// node_exporter's `chip` label of a hwmon directory: from the device it belongs to, the parent
/// directory's name and the device's (`/sys/devices/platform/coretemp.0` gives
/// `platform_coretemp_0`), each lowercased with every character other than `a-z0-9:_` made `_`
/// and `_` trimmed; without a device, the `name` file; else the directory's own name.
pub fn chip_id(dir: &Path) -> String {
    if let Ok(device) = fs::canonicalize(dir.join("device")) {
        let name = device
            .file_name()
            .map(|n| clean_name(&n.to_string_lossy()))
            .unwrap_or_default();
        let kind = device
            .parent()
            .and_then(Path::file_name)
            .map(|n| clean_name(&n.to_string_lossy()))
            .unwrap_or_default();
        match (kind.is_empty(), name.is_empty()) {
            (false, false) => return format!("{kind}_{name}"),
            (true, false) => return name,
            _ => {}
        }
    }
    if let Some(name) = read_trimmed(&dir.join("name")).map(|n| clean_name(&n))
        && !name.is_empty()
    {
        return name;
    }
    let real = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    real.file_name()
        .map(|n| clean_name(&n.to_string_lossy()))
        .unwrap_or_default()
}

/// Lowercase, every character outside `a-z0-9:_` replaced by `_`, leading and trailing `_`
/// trimmed.
fn clean_name(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned.trim_matches('_').to_owned()
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|t| t.trim().to_owned())
}

/// Entries of `dir` named `<prefix><number><suffix>` with their number, sorted by number.
fn numbered_entries(dir: &Path, prefix: &str, suffix: &str) -> Vec<(u32, PathBuf)> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, PathBuf)> = read
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let number = name
                .to_str()?
                .strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse()
                .ok()?;
            Some((number, entry.path()))
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write;

    #[test]
    fn chip_ids_follow_node_exporter_from_the_device_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "devices/platform/coretemp.0/uevent", "");
        write(root, "devices/pci0000:00/0000:00:18.3/uevent", "");
        write(root, "hwmon/hwmon1/name", "coretemp\n");
        write(root, "hwmon/hwmon2/name", "k10temp\n");
        write(root, "hwmon/hwmon3/name", "Some Chip\n");
        write(root, "hwmon/hwmon4/temp1_input", "1000\n");
        std::os::unix::fs::symlink(
            root.join("devices/platform/coretemp.0"),
            root.join("hwmon/hwmon1/device"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(
            root.join("devices/pci0000:00/0000:00:18.3"),
            root.join("hwmon/hwmon2/device"),
        )
        .expect("symlink");
        let hwmon = root.join("hwmon");
        assert_eq!(chip_id(&hwmon.join("hwmon1")), "platform_coretemp_0");
        assert_eq!(chip_id(&hwmon.join("hwmon2")), "pci0000:00_0000:00:18_3");
        assert_eq!(
            chip_id(&hwmon.join("hwmon3")),
            "some_chip",
            "no device: the name"
        );
        assert_eq!(
            chip_id(&hwmon.join("hwmon4")),
            "hwmon4",
            "nothing else: the directory"
        );
        let chips = find_chips(&hwmon);
        assert_eq!(chips.len(), 3, "hwmon4 has no name file");
        assert_eq!(chips[0].chip, "platform_coretemp_0");
        assert_eq!(chips[0].name, "coretemp");
        let sensors = find_sensors(&hwmon);
        assert_eq!(sensors[0].sensor, "temp1");
        assert_eq!(sensors[0].chip_id, "hwmon4");
    }

    #[test]
    fn reads_chips_labels_and_celsius_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "hwmon10/name", "nvme\n");
        write(root, "hwmon10/temp1_input", "38850\n");
        write(root, "hwmon2/name", "coretemp\n");
        write(root, "hwmon2/temp10_input", "51000\n");
        write(root, "hwmon2/temp10_label", "Core 4\n");
        write(root, "hwmon2/temp1_input", "55000\n");
        write(root, "hwmon2/temp1_label", "Package id 0\n");
        write(root, "hwmon2/temp2_input", "garbage\n");
        write(root, "hwmon2/temp3_crit", "100000\n");
        let sensors = read_sensors(root);
        let got: Vec<(&str, &str, f64)> = sensors
            .iter()
            .map(|s| (s.chip.as_str(), s.label.as_str(), s.celsius))
            .collect();
        assert_eq!(
            got,
            [
                ("coretemp", "Package id 0", 55.0),
                ("coretemp", "Core 4", 51.0),
                ("nvme", "", 38.85),
            ]
        );
    }

    #[test]
    fn a_kept_sensor_list_reads_fresh_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "hwmon0/name", "k10temp\n");
        write(dir.path(), "hwmon0/temp1_input", "garbage\n");
        let inputs = find_sensors(dir.path());
        assert_eq!(inputs.len(), 1, "found even while unreadable");
        assert!(read_inputs(&inputs).is_empty());
        write(dir.path(), "hwmon0/temp1_input", "47125\n");
        assert_eq!(read_inputs(&inputs)[0].celsius, 47.125);
        assert_eq!(read_inputs(&inputs)[0].chip, "k10temp");
    }

    #[test]
    fn fans_with_chip_and_label_from_the_fixture_tree() {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/amd-desktop/sys/class/hwmon");
        let fans = read_fans(&find_fans(&root));
        let got: Vec<(&str, &str, f64)> = fans
            .iter()
            .map(|f| (f.chip.as_str(), f.label.as_str(), f.rpm))
            .collect();
        assert_eq!(got, [("nct6798", "", 1180.0), ("nct6798", "CPU_OPT", 0.0)]);
        let laptop =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/intel-laptop/sys/class/hwmon");
        let fans = read_fans(&find_fans(&laptop));
        assert_eq!(
            fans.len(),
            1,
            "the malformed fan2_input is absent: {fans:?}"
        );
        assert_eq!((fans[0].chip.as_str(), fans[0].rpm), ("thinkpad", 2300.0));
    }

    #[test]
    fn a_sensor_file_that_vanishes_after_the_scan_is_absent_and_the_rest_still_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "hwmon0/name", "nct6798\n");
        write(dir.path(), "hwmon0/fan1_input", "900\n");
        write(dir.path(), "hwmon0/fan2_input", "1000\n");
        write(dir.path(), "hwmon0/temp1_input", "40000\n");
        write(dir.path(), "hwmon0/temp2_input", "41000\n");
        let (fans, temps) = (find_fans(dir.path()), find_sensors(dir.path()));
        fs::remove_file(dir.path().join("hwmon0/fan1_input")).expect("rm");
        fs::remove_file(dir.path().join("hwmon0/temp2_input")).expect("rm");
        let fans = read_fans(&fans);
        assert_eq!(fans.len(), 1);
        assert_eq!(fans[0].rpm, 1000.0);
        let temps = read_inputs(&temps);
        assert_eq!(temps.len(), 1);
        assert_eq!(temps[0].celsius, 40.0);
    }

    #[test]
    fn missing_hwmon_gives_no_sensors() {
        assert!(read_sensors(Path::new("/nonexistent/hwmon")).is_empty());
    }

    #[test]
    fn averages_cpufreq_and_is_none_without_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "cpu0/cpufreq/scaling_cur_freq", "2000000\n");
        write(dir.path(), "cpu1/cpufreq/scaling_cur_freq", "3000000\n");
        write(dir.path(), "cpu2/cpufreq/scaling_cur_freq", "oops\n");
        assert_eq!(read_cpu_freq_mhz(dir.path(), 3), Some(2500.0));
        assert_eq!(read_cpu_freq_mhz(dir.path(), 0), None);
        assert_eq!(read_cpu_freq_mhz(Path::new("/nonexistent"), 4), None);
    }

    #[test]
    fn parses_thousandths() {
        assert_eq!(parse_thousandths("-5000\n"), Some(-5.0));
        assert_eq!(parse_thousandths(""), None);
        assert_eq!(parse_thousandths("99999999999999999999"), None);
    }
}
