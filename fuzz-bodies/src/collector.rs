//! The collector's `/proc` text parsers (and the two `/etc` files it reads).

use psmonitor_collector::identity::{parse_os_release, parse_passwd};
use psmonitor_collector::node::system::parse_os_release_fields;
use psmonitor_collector::procfs::diskstats::{is_physical, node_exporter_keeps, parse_diskstats};
use psmonitor_collector::procfs::filefd::parse_file_nr;
use psmonitor_collector::procfs::kernel_stat::{parse_guest, parse_kernel_stat};
use psmonitor_collector::procfs::meminfo::parse_meminfo;
use psmonitor_collector::procfs::mounts::parse_mounts;
use psmonitor_collector::procfs::netdev::parse_net_dev;
use psmonitor_collector::procfs::node_meminfo::parse_meminfo_fields;
use psmonitor_collector::procfs::pressure::parse_pressure;
use psmonitor_collector::procfs::stat::parse_proc_stat;
use psmonitor_collector::procfs::system::{parse_cpuinfo_mhz, parse_loadavg, parse_uptime};
use psmonitor_collector::procfs::vmstat::{is_default_field, parse_vmstat};
use psmonitor_collector::procfs::wireless::parse_wireless;
use psmonitor_collector::procs::fuzzing::{
    COMM_MAX, parse_kernel_page_size, parse_stat, parse_status_uid, process_name,
};

/// The whole-file parsers in the order [`procfs`]'s selector byte picks them (the first 11 as
/// before the node_exporter sources, so the corpus keeps its meaning for them).
pub const PROCFS_FILES: [&str; 16] = [
    "stat",
    "meminfo",
    "diskstats",
    "net/dev",
    "mounts",
    "net/wireless",
    "loadavg",
    "uptime",
    "cpuinfo",
    "os-release",
    "passwd",
    "stat-node",
    "meminfo-all",
    "vmstat",
    "pressure",
    "file-nr",
];

/// Feeds `data[1..]` (lossily UTF-8) to the whole-file parser `data[0]` picks (modulo 16, see
/// [`PROCFS_FILES`]): `/proc/stat`, `meminfo`, `diskstats`, `net/dev`, `mounts`,
/// `net/wireless`, `loadavg`, `uptime`, `cpuinfo`, `os-release`, `/etc/passwd`, and the
/// node_exporter sources: the rest of `/proc/stat`, every `meminfo` field, `vmstat`, a
/// pressure file and `file-nr`. None panics, none finds more records than lines, and no value
/// is NaN.
pub fn procfs(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    let text = String::from_utf8_lossy(rest);
    let lines = text.lines().count();
    match which % 16 {
        0 => {
            let (_, cores) = parse_proc_stat(&text);
            assert!(cores.len() <= lines);
        }
        1 => {
            let _ = parse_meminfo(&text);
        }
        2 => {
            assert!(parse_diskstats(&text, |_| true).len() <= lines);
            let physical = parse_diskstats(&text, is_physical);
            assert!(physical.iter().all(|d| is_physical(&d.name)));
            let kept = parse_diskstats(&text, node_exporter_keeps);
            assert!(kept.iter().all(|d| node_exporter_keeps(&d.name)));
        }
        3 => assert!(parse_net_dev(&text).len() <= lines),
        4 => assert!(parse_mounts(&text).len() <= lines),
        5 => {
            let _ = parse_wireless(&text);
        }
        6 => {
            let _ = parse_loadavg(&text);
        }
        7 => {
            let _ = parse_uptime(&text);
        }
        8 => {
            if let Some(mhz) = parse_cpuinfo_mhz(&text) {
                assert!(!mhz.is_nan());
            }
        }
        9 => {
            if let Some(name) = parse_os_release(&text) {
                assert!(!name.is_empty());
            }
        }
        10 => {
            assert!(parse_passwd(&text).len() <= lines);
            assert!(parse_os_release_fields(&text).len() <= lines);
        }
        11 => {
            let _ = parse_kernel_stat(&text);
            assert!(parse_guest(&text).len() <= lines);
        }
        12 => {
            let fields = parse_meminfo_fields(&text);
            assert!(fields.len() <= lines);
            assert!(fields.iter().all(|f| f.value.is_finite() && f.value >= 0.0));
        }
        13 => {
            let fields = parse_vmstat(&text);
            assert!(fields.len() <= lines);
            assert!(fields.iter().all(|f| is_default_field(&f.name)));
        }
        14 => {
            if let Some(p) = parse_pressure("io", &text) {
                assert_eq!(p.resource, "io");
            }
        }
        _ => {
            let _ = parse_file_nr(&text);
        }
    }
}

/// Feeds `data` to the per-process parsers: `/proc/PID/stat` (raw bytes), `status` and `smaps`
/// (lossily UTF-8), and the name from the parsed `comm` with `data` as `cmdline`.
///
/// A parsed `comm` lies between the first `(` and the last `)`; the name is `comm` unless that
/// was truncated, and then it starts with it.
pub fn proc_pid(data: &[u8]) {
    if let Some(stat) = parse_stat(data) {
        assert!(stat.comm.len() < data.len());
        assert!(!stat.comm.contains(&b'(') || data.iter().filter(|&&b| b == b'(').count() > 1);
        let name = process_name(stat.comm, data);
        let comm = String::from_utf8_lossy(stat.comm);
        if comm.len() < COMM_MAX {
            assert_eq!(name, comm);
        } else {
            assert!(name.starts_with(comm.as_ref()));
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = parse_status_uid(&text);
    if let Some(bytes) = parse_kernel_page_size(&text) {
        assert!(bytes > 0 && bytes % 1024 == 0);
    }
}
