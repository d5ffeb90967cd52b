//! Files read every sample, held open and re-read with positioned reads at offset 0: one
//! `pread` a file per sample instead of `openat`, `read` and `close` (procfs and sysfs answer a
//! read at offset 0 with the figures of that moment).

use rustix::buffer::spare_capacity;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

/// Opens `path` for reading.
pub(crate) fn open(path: &str) -> Result<OwnedFd, Errno> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
    rustix::fs::open(path, flags, Mode::empty())
}

/// Reads `fd` from offset 0 into `buf` (cleared first) with positioned reads, so a descriptor
/// held from an earlier sample reads the file afresh; gives the bytes read. Stops at the end of
/// the file or, if `one_line`, at a read that ends a line (one-line files need no second read
/// to see the end). A held `/proc/PID/...` file fails with `ESRCH` once its process is reaped.
pub(crate) fn read_from_start(
    fd: &OwnedFd,
    buf: &mut Vec<u8>,
    one_line: bool,
) -> Result<usize, Errno> {
    buf.clear();
    loop {
        if buf.capacity() - buf.len() < 512 {
            buf.reserve(buf.capacity().max(4096));
        }
        let offset = buf.len() as u64;
        match rustix::io::pread(fd, spare_capacity(buf), offset) {
            Ok(0) => return Ok(buf.len()),
            Ok(_) if one_line && buf.ends_with(b"\n") => return Ok(buf.len()),
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Host-level files (`/proc/stat`, `/proc/meminfo`, ...) held open by path, opened on first
/// use. A few descriptors, within the server's headroom for the host reader.
#[derive(Debug, Default)]
pub(crate) struct HeldFiles {
    files: Vec<(&'static str, OwnedFd)>,
}

impl HeldFiles {
    /// The text of `path` now (lossily decoded): through its held descriptor, opened (and then
    /// held) on first use or when the held one fails. The error when it cannot be opened or read.
    pub(crate) fn read(&mut self, path: &'static str, one_line: bool) -> Result<String, Errno> {
        let mut buf = Vec::with_capacity(4096);
        let held = self.files.iter().position(|(p, _)| *p == path);
        if let Some(i) = held {
            if read_from_start(&self.files[i].1, &mut buf, one_line).is_ok() {
                return Ok(text(buf));
            }
            self.files.swap_remove(i);
        }
        let fd = open(path)?;
        read_from_start(&fd, &mut buf, one_line)?;
        self.files.push((path, fd));
        Ok(text(buf))
    }

    /// How many files are held open.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }
}

/// `buf` as text, invalid UTF-8 replaced.
pub(crate) fn text(buf: Vec<u8>) -> String {
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_file_is_read_afresh_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path: &'static str = Box::leak(
            dir.path()
                .join("f")
                .to_string_lossy()
                .into_owned()
                .into_boxed_str(),
        );
        std::fs::write(path, "one\n").expect("write");
        let mut files = HeldFiles::default();
        assert_eq!(files.read(path, true).as_deref(), Ok("one\n"));
        std::fs::write(path, "two, longer\n").expect("rewrite");
        assert_eq!(files.read(path, true).as_deref(), Ok("two, longer\n"));
        assert_eq!(files.len(), 1);
        // A new file at the path is not seen while the held one reads (procfs files stay).
        let new = dir.path().join("g");
        std::fs::write(&new, "three\n").expect("write");
        std::fs::rename(&new, path).expect("rename");
        assert_eq!(files.read(path, true).as_deref(), Ok("two, longer\n"));
        assert_eq!(
            files.read("/nonexistent/file", false),
            Err(Errno::NOENT),
            "the reason is kept (wireless looks for NOENT)"
        );
        assert_eq!(files.len(), 1);
        // Live procfs files re-read through one descriptor each.
        let a = files.read("/proc/uptime", true).expect("uptime");
        let b = files.read("/proc/uptime", true).expect("uptime");
        assert!(a.ends_with('\n') && b.ends_with('\n'));
        let stat = files.read("/proc/stat", false).expect("stat");
        assert!(stat.starts_with("cpu ") && stat.contains("\nbtime "));
        let again = files.read("/proc/stat", false).expect("stat");
        assert!(again.starts_with("cpu ") && again.contains("\nbtime "));
        assert_eq!(files.len(), 3);
    }

    #[test]
    fn long_files_are_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let long: String = (0..2_000).map(|i| format!("line {i}\n")).collect();
        let path = dir.path().join("long");
        std::fs::write(&path, &long).expect("write");
        let fd = rustix::fs::open(&path, rustix::fs::OFlags::RDONLY, rustix::fs::Mode::empty())
            .expect("open");
        let mut buf = Vec::new();
        assert_eq!(read_from_start(&fd, &mut buf, false), Ok(long.len()));
        assert_eq!(
            read_from_start(&fd, &mut buf, false),
            Ok(long.len()),
            "again"
        );
        assert_eq!(buf, long.as_bytes());
    }
}
