//! Disks in GiB with psutil's formulas, and the choice of the root disk.

use crate::model::DiskReading;
use crate::wire::{DiskStats, UsageStats};

use super::round::{gib, percent};

/// `used` = total - free; `percent` = used / (used + available), as psutil's `disk_usage`.
fn used_and_percent(d: &DiskReading) -> (u64, f64) {
    let used = d.total.saturating_sub(d.free);
    (used, percent(used, used.saturating_add(d.available)))
}

/// One disk as shown on the wire; `free` is the space available to unprivileged users.
pub fn disk_stats(d: &DiskReading) -> DiskStats {
    let (used, pct) = used_and_percent(d);
    DiskStats {
        mount: d.mount_point.clone(),
        device: d.device.clone(),
        fs: d.fs_type.clone(),
        total: gib(d.total),
        used: gib(used),
        free: gib(d.available),
        percent: pct,
    }
}

/// The disk mounted at `/`, else the largest one (the first of equals), else `None`.
pub fn root_disk(disks: &[DiskReading]) -> Option<&DiskReading> {
    disks.iter().find(|d| d.mount_point == "/").or_else(|| {
        // `max_by_key` keeps the last of equals; reversing keeps the first in reading order.
        disks.iter().rev().max_by_key(|d| d.total)
    })
}

/// The `disk` figures: the root disk's usage, or all zeros when there are no disks.
pub fn root_disk_stats(disks: &[DiskReading]) -> UsageStats {
    root_disk(disks).map_or_else(UsageStats::default, |d| {
        let (used, pct) = used_and_percent(d);
        UsageStats {
            total: gib(d.total),
            used: gib(used),
            free: gib(d.available),
            percent: pct,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn disk(mount: &str, total: u64, free: u64, available: u64) -> DiskReading {
        DiskReading {
            mount_point: mount.into(),
            device: format!("/dev/{}", mount.trim_start_matches('/')),
            fs_type: "ext4".into(),
            total,
            free,
            available,
            ..DiskReading::default()
        }
    }

    #[test]
    fn percent_excludes_the_root_reserve() {
        // 100 GiB, 30 free of which 25 available: used 70, percent 70 / 95 = 73.68 %.
        let d = disk_stats(&disk("/", 100 * GIB, 30 * GIB, 25 * GIB));
        assert_eq!(
            (d.total, d.used, d.free, d.percent),
            (100.0, 70.0, 25.0, 73.7)
        );
        assert_eq!(
            (d.mount.as_str(), d.device.as_str(), d.fs.as_str()),
            ("/", "/dev/", "ext4")
        );
    }

    #[test]
    fn root_is_found_anywhere_in_the_list() {
        let disks = [
            disk("/boot", GIB, GIB / 2, GIB / 2),
            disk("/home", 900 * GIB, 100 * GIB, 100 * GIB),
            disk("/", 50 * GIB, 20 * GIB, 10 * GIB),
        ];
        assert_eq!(root_disk(&disks).map(|d| d.mount_point.as_str()), Some("/"));
        assert_eq!(root_disk_stats(&disks).total, 50.0);
    }

    #[test]
    fn without_root_the_largest_disk_wins_first_of_equals() {
        let disks = [
            disk("/a", 10 * GIB, GIB, GIB),
            disk("/b", 20 * GIB, GIB, GIB),
            disk("/c", 20 * GIB, 2 * GIB, 2 * GIB),
        ];
        assert_eq!(
            root_disk(&disks).map(|d| d.mount_point.as_str()),
            Some("/b")
        );
    }

    #[test]
    fn no_disks_is_all_zeros() {
        assert_eq!(root_disk_stats(&[]), UsageStats::default());
    }

    #[test]
    fn empty_filesystem_has_zero_percent() {
        let d = disk_stats(&disk("/proc-like", 0, 0, 0));
        assert_eq!((d.total, d.used, d.percent), (0.0, 0.0, 0.0));
    }
}
