//! Reading files held open between samples: a positioned read at offset 0 instead of `openat`,
//! `read` and `close` (procfs and sysfs answer a read at offset 0 with the figures of that
//! moment).

use rustix::buffer::spare_capacity;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

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

#[cfg(test)]
mod tests {
    use super::*;

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
