//! `/proc/diskstats`: cumulative I/O counters per block device.

use psmonitor_core::model::{DiskIoReading, DiskStats};

/// Bytes per sector in `/proc/diskstats` (always 512, whatever the device's sector size).
const SECTOR_BYTES: u64 = 512;

/// Parses `/proc/diskstats`, keeping the devices `keep` accepts (whole disks, normally).
///
/// Fields after the name: reads, reads merged, sectors read (6th field of the line), ms reading,
/// writes, writes merged, sectors written (10th), ms writing, I/Os in flight, ms doing I/O (13th).
/// A line with fewer fields or a non-numeric counter is skipped: that device is absent from
/// this reading, and the rest are still read.
pub fn parse_diskstats(text: &str, keep: impl Fn(&str) -> bool) -> Vec<DiskIoReading> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let name = *fields.get(2)?;
            if !keep(name) {
                return None;
            }
            let number = |i: usize| fields.get(i)?.parse::<u64>().ok();
            let stats = DiskStats {
                reads_completed: number(3)?,
                reads_merged: number(4)?,
                read_ms: number(6)?,
                writes_completed: number(7)?,
                writes_merged: number(8)?,
                write_ms: number(10)?,
                io_now: number(11)?,
                weighted_ms: number(13)?,
                discards: (|| Some([number(14)?, number(15)?, number(16)?, number(17)?]))(),
                flushes: (|| Some([number(18)?, number(19)?]))(),
            };
            Some(DiskIoReading {
                name: name.to_owned(),
                read_bytes: number(5)?.saturating_mul(SECTOR_BYTES),
                written_bytes: number(9)?.saturating_mul(SECTOR_BYTES),
                busy_ms: number(12)?,
                stats: Some(stats),
            })
        })
        .collect()
}

/// Whether node_exporter reports a device by default: its `--collector.diskstats.device-exclude`
/// is `^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$` (RAM and loop disks, floppies and
/// the partitions of sd, hd, vd, xvd and NVMe disks).
pub fn node_exporter_keeps(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let excluded = ["ram", "loop", "fd"]
        .iter()
        .any(|p| name.strip_prefix(p).is_some_and(digits))
        || ["hd", "sd", "vd", "xvd"].iter().any(|p| {
            name.strip_prefix(p).is_some_and(|rest| {
                rest.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && digits(&rest[1..])
            })
        })
        || name.strip_prefix("nvme").is_some_and(|rest| {
            let Some((controller, rest)) = rest.split_once('n') else {
                return false;
            };
            let Some((namespace, partition)) = rest.split_once('p') else {
                return false;
            };
            digits(controller) && digits(namespace) && digits(partition)
        });
    !excluded
}

/// Whether a block device is worth showing: not a loop, ram or zram device.
pub fn is_physical(name: &str) -> bool {
    !["loop", "ram", "zram"].iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = include_str!("../../testdata/amd-desktop/proc/diskstats");

    #[test]
    fn reads_sectors_as_bytes_and_io_ticks_of_kept_devices() {
        let disks = parse_diskstats(TEXT, |n| n == "nvme0n1" || n == "sda");
        let got: Vec<(&str, u64, u64, u64)> = disks
            .iter()
            .map(|d| (d.name.as_str(), d.read_bytes, d.written_bytes, d.busy_ms))
            .collect();
        assert_eq!(
            got,
            [
                ("nvme0n1", 4_121_000 * 512, 9_876_543 * 512, 1_234_567),
                ("sda", 20_480 * 512, 2_048 * 512, 9_000),
            ]
        );
    }

    #[test]
    fn a_line_with_fewer_fields_is_skipped_and_the_rest_still_read() {
        let text =
            "   8       0 sda 100 0 2048 50 10 0\n 259 0 nvme0n1 1 0 8 0 1 0 16 0 0 7 7\nbad\n";
        let disks = parse_diskstats(text, |_| true);
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].name, "nvme0n1");
        assert_eq!(disks[0].busy_ms, 7);
        let garbage = "   8 0 sda x 0 y 0 0 0 z 0 0 w 0\n";
        assert!(parse_diskstats(garbage, |_| true).is_empty());
    }

    #[test]
    fn the_full_columns_are_read_and_old_kernels_lack_discards_and_flushes() {
        let disks = parse_diskstats(TEXT, |n| n == "nvme0n1");
        let s = disks[0].stats.unwrap();
        assert_eq!(
            (s.reads_completed, s.reads_merged, s.read_ms),
            (182_345, 40_213, 51_234)
        );
        assert_eq!(
            (s.writes_completed, s.writes_merged, s.write_ms),
            (412_345, 201_234, 812_345)
        );
        assert_eq!((s.io_now, s.weighted_ms), (0, 900_000));
        assert_eq!(s.discards, Some([0, 0, 0, 0]));
        assert_eq!(s.flushes, Some([3456, 7890]));
        let old = parse_diskstats(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", |_| true);
        let s = old[0].stats.unwrap();
        assert_eq!((s.weighted_ms, s.discards, s.flushes), (11, None, None));
    }

    #[test]
    fn node_exporters_device_filter() {
        for kept in [
            "sda", "nvme0n1", "vda", "zram0", "dm-0", "md127", "mmcblk0", "sr0",
        ] {
            assert!(node_exporter_keeps(kept), "{kept}");
        }
        for left in [
            "sda1",
            "nvme0n1p2",
            "xvda3",
            "loop7",
            "ram0",
            "fd0",
            "hdb12",
        ] {
            assert!(!node_exporter_keeps(left), "{left}");
        }
    }

    #[test]
    fn loop_and_ram_devices_are_not_physical() {
        assert!(is_physical("nvme0n1"));
        assert!(is_physical("sda"));
        assert!(!is_physical("loop3"));
        assert!(!is_physical("zram0"));
        assert!(!is_physical("ram1"));
    }
}
