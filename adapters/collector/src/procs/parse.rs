//! Pure parsers of the per-process files `/proc/PID/stat`, `status` and `cmdline`.

/// `PF_KTHREAD` in the flags field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: u64 = 0x0020_0000;

/// The kernel truncates `comm` to this many bytes (`TASK_COMM_LEN` - 1).
pub const COMM_MAX: usize = 15;

/// The fields of `/proc/PID/stat` the collector needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat<'a> {
    /// The command name (`comm`), at most 15 bytes, lossily decoded later.
    pub comm: &'a [u8],
    /// Whether this is a kernel thread.
    pub kernel_thread: bool,
    /// Start time in clock ticks after boot: with the pid, it names one process for good.
    pub start: u64,
    /// Resident pages (the same count as `statm`'s second field).
    pub rss_pages: u64,
    /// CPU time in user plus kernel mode, in clock ticks (`utime` + `stime`).
    pub cpu_ticks: u64,
    /// Number of threads.
    pub threads: u32,
}

/// Parses `/proc/PID/stat`; `None` when malformed.
///
/// `comm` may hold spaces and parentheses, so it runs from the first `(` to the last `)`.
pub fn parse_stat(text: &[u8]) -> Option<Stat<'_>> {
    let open = text.iter().position(|&b| b == b'(')?;
    let close = text.iter().rposition(|&b| b == b')')?;
    let comm = text.get(open + 1..close)?;
    // Fields from 3 (state) on, as bytes (this runs once per process per sample): flags is
    // field 9, utime 14, stime 15, num_threads 20, starttime 22, rss 24.
    let mut fields = text
        .get(close + 1..)?
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty());
    let flags = parse_u64(fields.nth(6)?)?;
    let utime = parse_u64(fields.nth(4)?)?;
    let stime = parse_u64(fields.next()?)?;
    let threads = parse_u64(fields.nth(4)?)?;
    let start = parse_u64(fields.nth(1)?)?;
    let rss = fields.nth(1)?;
    // rss is a signed field; a negative value (never seen in practice) counts as 0.
    let rss_pages = if rss.first() == Some(&b'-') {
        0
    } else {
        parse_u64(rss)?
    };
    Some(Stat {
        comm,
        kernel_thread: flags & PF_KTHREAD != 0,
        start,
        rss_pages,
        cpu_ticks: utime.saturating_add(stime),
        threads: u32::try_from(threads).unwrap_or(u32::MAX),
    })
}

/// A decimal `u64` from ASCII digits only; `None` when empty, not digits or too large.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

/// The real uid from the `Uid:` line of `/proc/PID/status` (as psutil's `uids().real`).
pub fn parse_status_uid(text: &str) -> Option<u32> {
    let line = text.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    line.split_ascii_whitespace().next()?.parse().ok()
}

/// The process name as psutil's `name()` gives it: `comm`, or when `comm` may be truncated
/// (15 bytes), the base name of `cmdline`'s first argument if that starts with `comm`.
///
/// Like psutil, a `cmdline` that does not end in NUL (rewritten by the process, e.g. with
/// `setproctitle`) is split on spaces instead.
pub fn process_name(comm: &[u8], cmdline: &[u8]) -> String {
    let comm = String::from_utf8_lossy(comm);
    if comm.len() < COMM_MAX {
        return comm.into_owned();
    }
    let separator = if cmdline.ends_with(b"\0") {
        b'\0'
    } else {
        b' '
    };
    let first = cmdline
        .split(|&b| b == separator)
        .next()
        .unwrap_or_default();
    let base = first.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let base = String::from_utf8_lossy(base);
    if base.starts_with(comm.as_ref()) {
        base.into_owned()
    } else {
        comm.into_owned()
    }
}

/// The first `KernelPageSize:` of a `/proc/PID/smaps` text, in bytes.
pub fn parse_kernel_page_size(smaps: &str) -> Option<u64> {
    let line = smaps
        .lines()
        .find_map(|l| l.strip_prefix("KernelPageSize:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024).filter(|&b| b > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASH: &[u8] = b"4242 (bash) S 4241 4242 4242 34816 4300 4194304 1234 5678 0 0 12 3 0 0 20 0 1 0 987654 9000000 1100 18446744073709551615 1 1 0 0 0 0 65536 3670020 1266777851 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn reads_comm_start_rss_and_flags() {
        let stat = parse_stat(BASH).expect("parses");
        assert_eq!(stat.comm, b"bash");
        assert_eq!(stat.start, 987_654);
        assert_eq!(stat.rss_pages, 1100);
        assert_eq!((stat.cpu_ticks, stat.threads), (15, 1));
        assert!(!stat.kernel_thread);
    }

    #[test]
    fn comm_with_spaces_and_parens_and_kernel_threads() {
        let text = b"7 (a) b (c)) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 15 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n";
        let stat = parse_stat(text).expect("parses");
        assert_eq!(stat.comm, b"a) b (c)");
        assert!(stat.kernel_thread);
        assert_eq!((stat.start, stat.rss_pages), (15, 0));
    }

    #[test]
    fn malformed_stat_is_none() {
        assert_eq!(parse_stat(b""), None);
        assert_eq!(parse_stat(b"1 (x) S 0 0"), None);
        assert_eq!(parse_stat(b"1 x) S"), None);
        assert_eq!(parse_stat(&BASH[..88]), None);
        assert_eq!(parse_stat(b"1 (x) S 0 0 0 0 0 x1 0"), None);
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn page_size_from_smaps() {
        let text = "55d0-55d1 r--p 0 08:01 1 /bin/x\nSize: 4 kB\nKernelPageSize:       16 kB\n";
        assert_eq!(parse_kernel_page_size(text), Some(16 * 1024));
        assert_eq!(parse_kernel_page_size("KernelPageSize: 0 kB\n"), None);
        assert_eq!(parse_kernel_page_size(""), None);
    }

    #[test]
    fn real_uid_from_status() {
        let text = "Name:\tsudo\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(parse_status_uid(text), Some(1000));
        assert_eq!(parse_status_uid("Name:\tx\n"), None);
        assert_eq!(parse_status_uid("Uid:\tbad\n"), None);
    }

    #[test]
    fn name_is_comm_unless_truncated() {
        assert_eq!(process_name(b"bash", b"/bin/bash\0-l\0"), "bash");
        let comm = b"gnome-shell-cal";
        let cmdline = b"/usr/libexec/gnome-shell-calendar-server\0";
        assert_eq!(process_name(comm, cmdline), "gnome-shell-calendar-server");
        assert_eq!(process_name(comm, b"/usr/bin/other\0"), "gnome-shell-cal");
        assert_eq!(process_name(comm, b""), "gnome-shell-cal");
        let title = b"gnome-shell-calendar: worker 3";
        assert_eq!(process_name(comm, title), "gnome-shell-calendar:");
    }
}
