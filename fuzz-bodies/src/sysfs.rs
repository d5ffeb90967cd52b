//! The collector's `/sys` readers: hwmon temperatures and fans, cpufreq, thermal zones,
//! batteries and DRM GPUs. They read directory trees, so the input describes a small tree that
//! is written to a fresh temporary directory (on `/dev/shm` when there is one) for each run.

use std::fs;
use std::path::{Component, Path, PathBuf};

use psmonitor_collector::battery::read_batteries;
use psmonitor_collector::gpu::drm::{find_cards, nvidia_all_suspended, read_card};
use psmonitor_collector::gpu::vendor_name;
use psmonitor_collector::node::netclass::{parse_number, read_netclass};
use psmonitor_collector::node::system::{read_clocksources, read_cpufreq};
use psmonitor_collector::sysfs::{
    find_chips, find_fans, find_sensors, parse_thousandths, read_cpu_freq_mhz, read_fans,
    read_inputs, read_sensors,
};
use psmonitor_collector::thermal::{find_zones, read_zones};

/// Files one input may create.
const MAX_FILES: usize = 48;
/// Directory levels a path may have.
const MAX_DEPTH: usize = 7;

/// The files of `data`: NUL-separated `path`, `content` pairs; a path's components must be plain
/// names (no `.`, `..` or root), at most [`MAX_DEPTH`] of them.
#[must_use]
pub fn tree_files(data: &[u8]) -> Vec<(PathBuf, &[u8])> {
    let mut fields = data.split(|&b| b == 0);
    let mut files = Vec::new();
    while let (Some(path), Some(content)) = (fields.next(), fields.next()) {
        let Ok(path) = std::str::from_utf8(path) else {
            continue;
        };
        let path = Path::new(path);
        let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
        let depth = path.components().count();
        if plain && (1..=MAX_DEPTH).contains(&depth) && files.len() < MAX_FILES {
            files.push((path.to_owned(), content));
        }
    }
    files
}

/// The inverse of [`tree_files`], for making seeds from real trees.
#[must_use]
pub fn encode_tree(files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, content) in files {
        out.extend_from_slice(path.to_string_lossy().as_bytes());
        out.push(0);
        out.extend_from_slice(content);
        out.push(0);
    }
    out
}

/// Writes the tree of `data` (see [`tree_files`]; a path that clashes with an earlier one is
/// skipped) under a temporary root whose `hwmon`, `thermal`, `power_supply`, `drm` and `cpu`
/// stand for `/sys/class/hwmon`, ... and `/sys/devices/system/cpu` (and `net` and
/// `clocksource` for `/sys/class/net` and `/sys/devices/system/clocksource`), and reads it with every
/// reader: none panics, none finds more entries than files, and every file's text goes through
/// the shared value parsers too.
pub fn sysfs(data: &[u8]) {
    let files = tree_files(data);
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("a temporary directory");
    let root = dir.path();
    for (path, content) in &files {
        let text = String::from_utf8_lossy(content);
        if let Some(value) = parse_thousandths(&text) {
            assert!(value.is_finite());
        }
        let _ = vendor_name(&text);
        if let Some(value) = parse_number(&text) {
            assert!(value.is_finite());
        }
        let path = root.join(path);
        if let Some(parent) = path.parent()
            && fs::create_dir_all(parent).is_err()
        {
            continue;
        }
        let _ = fs::write(&path, content);
    }
    let n = files.len();
    let sensors = find_sensors(&root.join("hwmon"));
    assert!(sensors.len() <= n);
    assert!(read_inputs(&sensors).len() <= sensors.len());
    let fans = find_fans(&root.join("hwmon"));
    assert!(fans.len() <= n);
    assert!(read_fans(&fans).len() <= fans.len());
    let _ = read_sensors(&root.join("hwmon"));
    if let Some(mhz) = read_cpu_freq_mhz(&root.join("cpu"), 4) {
        assert!(mhz > 0.0);
    }
    let zones = find_zones(&root.join("thermal"));
    assert!(zones.len() <= n);
    assert!(read_zones(&zones).len() <= zones.len());
    assert!(read_batteries(&root.join("power_supply")).len() <= n);
    let drm = root.join("drm");
    let cards = find_cards(&drm);
    assert!(cards.len() <= n);
    for card in &cards {
        let _ = read_card(card);
    }
    let _ = nvidia_all_suspended(&drm);
    assert!(find_chips(&root.join("hwmon")).len() <= n);
    let net = read_netclass(&root.join("net"));
    assert!(net.len() <= n);
    assert!(
        net.iter()
            .flat_map(|c| &c.values)
            .all(|f| f.value.is_finite())
    );
    assert!(read_clocksources(&root.join("clocksource")).len() <= n);
    assert!(read_cpufreq(&root.join("cpu"), 4).len() <= 4);
}
