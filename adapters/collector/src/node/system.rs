//! The os collector's `/etc/os-release`, the time collector's clock sources, the cpufreq
//! collector's `/sys/devices/system/cpu/cpuN/cpufreq`, and the uname fields beyond the
//! reading's.

use std::fs;
use std::path::Path;

use psmonitor_core::model::{ClockSource, CpuFreq};

use crate::sysfs::parse_thousandths;

/// Every `KEY=value` line of an os-release file, quotes removed, in file order; comments,
/// blank lines and lines without `=` are skipped.
pub fn parse_os_release_fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.trim().split_once('=')?;
            if key.is_empty() || key.starts_with('#') {
                return None;
            }
            let value = value.trim();
            let value = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
                .unwrap_or(value);
            Some((key.to_owned(), value.replace("\\\"", "\"")))
        })
        .collect()
}

/// Every `clocksourceN` under `root` (normally `/sys/devices/system/clocksource`), in number
/// order; one without a readable `current_clocksource` is left out.
pub fn read_clocksources(root: &Path) -> Vec<ClockSource> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, ClockSource)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let number: u32 = name.strip_prefix("clocksource")?.parse().ok()?;
            let current = fs::read_to_string(e.path().join("current_clocksource")).ok()?;
            let current = current.trim();
            let available =
                fs::read_to_string(e.path().join("available_clocksource")).unwrap_or_default();
            (!current.is_empty()).then(|| {
                (
                    number,
                    ClockSource {
                        device: number.to_string(),
                        available: available
                            .split_ascii_whitespace()
                            .map(str::to_owned)
                            .collect(),
                        current: current.to_owned(),
                    },
                )
            })
        })
        .collect();
    found.sort_by_key(|(n, _)| *n);
    found.into_iter().map(|(_, c)| c).collect()
}

/// cpufreq of CPUs `0..cpus` under `root` (normally `/sys/devices/system/cpu`); CPUs without a
/// `cpufreq` directory are left out, and so are unreadable files (`None`).
pub fn read_cpufreq(root: &Path, cpus: usize) -> Vec<CpuFreq> {
    (0..cpus)
        .filter_map(|cpu| {
            let dir = root.join(format!("cpu{cpu}/cpufreq"));
            if !dir.is_dir() {
                return None;
            }
            let hertz = |file: &str| {
                let text = fs::read_to_string(dir.join(file)).ok()?;
                Some(parse_thousandths(&text)? * 1_000_000.0)
            };
            let text = |file: &str| fs::read_to_string(dir.join(file)).unwrap_or_default();
            Some(CpuFreq {
                cpu: u32::try_from(cpu).ok()?,
                scaling_cur: hertz("scaling_cur_freq"),
                scaling_min: hertz("scaling_min_freq"),
                scaling_max: hertz("scaling_max_freq"),
                cpuinfo_min: hertz("cpuinfo_min_freq"),
                cpuinfo_max: hertz("cpuinfo_max_freq"),
                governor: text("scaling_governor").trim().to_owned(),
                governors: text("scaling_available_governors")
                    .split_ascii_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

/// `uname`'s `domainname`, `machine` and `version`, as node_exporter's `node_uname_info` labels
/// them; the two from `/proc/sys/kernel` are left out when unreadable.
pub fn read_uname(kernel: &Path) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let read = |file: &str| {
        fs::read_to_string(kernel.join(file))
            .ok()
            .map(|t| t.trim_end_matches('\n').to_owned())
    };
    if let Some(domain) = read("domainname") {
        fields.push(("domainname".to_owned(), domain));
    }
    fields.push(("machine".to_owned(), std::env::consts::ARCH.to_owned()));
    if let Some(version) = read("version") {
        fields.push(("version".to_owned(), version));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_fields_are_unquoted() {
        let fields = parse_os_release_fields(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME='Debian'\n# comment\n\nVERSION_ID=\"12\"\nID=debian\nbroken line\n",
        );
        assert_eq!(
            fields,
            [
                (
                    "PRETTY_NAME".into(),
                    "Debian GNU/Linux 12 (bookworm)".into()
                ),
                ("NAME".into(), "Debian".into()),
                ("VERSION_ID".into(), "12".into()),
                ("ID".into(), "debian".into()),
            ]
        );
        assert!(parse_os_release_fields("").is_empty());
    }

    #[test]
    fn clock_sources_and_cpufreq_from_a_tree() {
        let root = tempfile::tempdir().unwrap();
        let cs = root.path().join("clocksource/clocksource0");
        fs::create_dir_all(&cs).unwrap();
        fs::write(cs.join("available_clocksource"), "kvm-clock tsc \n").unwrap();
        fs::write(cs.join("current_clocksource"), "tsc\n").unwrap();
        fs::create_dir_all(root.path().join("clocksource/clocksource1")).unwrap();
        let sources = read_clocksources(&root.path().join("clocksource"));
        assert_eq!(
            sources.len(),
            1,
            "one without current_clocksource is left out"
        );
        assert_eq!(sources[0].available, ["kvm-clock", "tsc"]);
        assert_eq!(sources[0].current, "tsc");

        let cpu0 = root.path().join("cpu/cpu0/cpufreq");
        fs::create_dir_all(&cpu0).unwrap();
        fs::write(cpu0.join("scaling_cur_freq"), "2400000\n").unwrap();
        fs::write(cpu0.join("scaling_max_freq"), "garbage\n").unwrap();
        fs::write(cpu0.join("scaling_governor"), "powersave\n").unwrap();
        let freq = read_cpufreq(&root.path().join("cpu"), 2);
        assert_eq!(freq.len(), 1, "cpu1 has no cpufreq");
        assert_eq!(freq[0].scaling_cur, Some(2.4e9));
        assert_eq!(freq[0].scaling_max, None);
        assert_eq!(freq[0].scaling_min, None);
        assert_eq!(freq[0].governor, "powersave");
    }
}
