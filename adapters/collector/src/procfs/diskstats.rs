//! `/proc/diskstats`: cumulative I/O counters per block device.

use psmonitor_core::model::DiskIoReading;

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
            Some(DiskIoReading {
                name: name.to_owned(),
                read_bytes: number(5)?.saturating_mul(SECTOR_BYTES),
                written_bytes: number(9)?.saturating_mul(SECTOR_BYTES),
                busy_ms: number(12)?,
            })
        })
        .collect()
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
    fn loop_and_ram_devices_are_not_physical() {
        assert!(is_physical("nvme0n1"));
        assert!(is_physical("sda"));
        assert!(!is_physical("loop3"));
        assert!(!is_physical("zram0"));
        assert!(!is_physical("ram1"));
    }
}
