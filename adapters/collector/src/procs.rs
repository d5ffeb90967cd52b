//! A lean Linux process reader: per sample one `readdir` of `/proc` and one read of
//! `/proc/PID/stat` per process (name, start time, flags and rss in one line).
//!
//! The name and owner cost extra reads (`status` for the real uid, `cmdline` when `comm` may be
//! truncated), so they are cached per pid ([`cache`]) and re-read only when the pid is new, its
//! start time changed (the pid was reused) or its `comm` changed (it exec'd), and for every pid
//! once per [`REFRESH_EVERY`] samples (catches a `setuid` without exec). Vanished pids are evicted.
//!
//! Kernel threads (`PF_KTHREAD`, no memory of their own) are left out: the snapshot shows the
//! top processes by resident memory, where their rss of 0 never counts. They are remembered, so
//! their `stat` is read once per [`REFRESH_EVERY`] samples, not every sample. A process that
//! vanishes mid-read is skipped.

mod cache;
mod parse;

use std::path::{Path, PathBuf};

use psmonitor_core::model::ProcessReading;
use rustix::buffer::spare_capacity;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Dir, FileType, Mode, OFlags};

use self::cache::{Cache, Entry};
use self::parse::{COMM_MAX, parse_stat, parse_status_uid, process_name};
use crate::identity::UserNames;

/// The per-process file parsers, for the fuzz targets (`fuzz-bodies/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::parse::{
        COMM_MAX, Stat, parse_kernel_page_size, parse_stat, parse_status_uid, process_name,
    };
}

/// Clock ticks per second of the times in `/proc/PID/stat` (`USER_HZ`: 100 on every Linux
/// architecture this server targets; the kernel scales its internal `HZ` to it).
pub const USER_HZ: u64 = 100;

/// Every this many samples, every name and owner is read again.
pub const REFRESH_EVERY: u64 = 60;

/// Reads the processes under a procfs root (normally `/proc`), keeping per-pid caches.
#[derive(Debug)]
pub struct ProcessReader {
    root: PathBuf,
    /// The root and its directory stream, opened on first use and rewound each sample.
    dir: Option<(OwnedFd, Dir)>,
    cache: Cache,
    page_size: u64,
    samples: u64,
    buf: Vec<u8>,
    path: String,
}

impl ProcessReader {
    /// A reader of the procfs mounted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            dir: None,
            cache: Cache::default(),
            page_size: page_size(),
            samples: 0,
            buf: Vec::with_capacity(4096),
            path: String::with_capacity(32),
        }
    }

    /// Every user-space process, sorted by pid; empty when the root cannot be read.
    pub fn read(&mut self, users: &mut UserNames) -> Vec<ProcessReading> {
        if self.samples.is_multiple_of(REFRESH_EVERY) {
            self.cache.clear();
        }
        self.samples += 1;
        let pids = self.pids();
        self.cache.start_sample();
        let Some((root, dir)) = self.dir.take() else {
            return Vec::new();
        };
        let mut processes = Vec::with_capacity(pids.len());
        for pid in pids {
            if let Some(p) = self.read_one(&root, pid, users) {
                processes.push(p);
            }
        }
        self.cache.finish_sample();
        self.dir = Some((root, dir));
        processes.sort_unstable_by_key(|p| p.pid);
        processes
    }

    /// The numeric entries of the root, from the open directory stream (rewound) or a new one.
    fn pids(&mut self) -> Vec<u32> {
        if self.dir.is_none() {
            self.dir = open_dir(&self.root);
        }
        let Some((_, dir)) = self.dir.as_mut() else {
            return Vec::new();
        };
        dir.rewind();
        let mut pids = Vec::with_capacity(self.cache.len() + 16);
        while let Some(Ok(entry)) = dir.read() {
            if !matches!(entry.file_type(), FileType::Directory | FileType::Unknown) {
                continue;
            }
            let name = entry.file_name().to_bytes();
            if name.iter().all(u8::is_ascii_digit)
                && let Some(pid) = std::str::from_utf8(name).ok().and_then(|n| n.parse().ok())
            {
                pids.push(pid);
            }
        }
        pids
    }

    fn read_one(
        &mut self,
        root: &OwnedFd,
        pid: u32,
        users: &mut UserNames,
    ) -> Option<ProcessReading> {
        if self.cache.touch(pid).is_some_and(|e| e.kernel_thread) {
            return None;
        }
        let Some(stat) = self
            .read_file(root, pid, "stat")
            .and_then(|_| parse_stat(&self.buf))
        else {
            self.cache.remove(pid);
            return None;
        };
        let (start, kernel_thread, rss_pages) = (stat.start, stat.kernel_thread, stat.rss_pages);
        let (cpu_ticks, threads) = (stat.cpu_ticks, stat.threads);
        let page_size = self.page_size;
        let reading = |entry: &Entry| {
            (!entry.kernel_thread).then(|| ProcessReading {
                pid,
                name: entry.name.clone(),
                user: entry.user.clone(),
                rss: rss_pages.saturating_mul(page_size),
                cpu_ms: cpu_ticks.saturating_mul(1000 / USER_HZ),
                threads,
            })
        };
        // The usual case, a known process: one lookup, `comm` compared where it was read.
        if let Some(entry) = self.cache.touch(pid)
            && entry.matches(start, stat.comm)
        {
            return reading(entry);
        }
        let comm: Box<[u8]> = stat.comm.into();
        let entry = if kernel_thread {
            Entry::new(start, &comm, true, String::new(), String::new())
        } else {
            let Some(entry) = self.resolve(root, pid, start, &comm, users) else {
                self.cache.remove(pid);
                return None;
            };
            entry
        };
        reading(self.cache.insert(pid, entry))
    }

    /// Reads the owner (and the full name when `comm` may be truncated) of a new process.
    fn resolve(
        &mut self,
        root: &OwnedFd,
        pid: u32,
        start: u64,
        comm: &[u8],
        users: &mut UserNames,
    ) -> Option<Entry> {
        self.read_file(root, pid, "status")?;
        let uid = parse_status_uid(&String::from_utf8_lossy(&self.buf))?;
        let name = if comm.len() >= COMM_MAX && self.read_file(root, pid, "cmdline").is_some() {
            process_name(comm, &self.buf)
        } else {
            process_name(comm, b"")
        };
        Some(Entry::new(start, comm, false, name, users.name(uid)))
    }

    /// Reads `<root>/<pid>/<file>` into `self.buf`; `None` when it vanished or is unreadable.
    fn read_file(&mut self, root: &OwnedFd, pid: u32, file: &str) -> Option<()> {
        use std::fmt::Write as _;
        self.path.clear();
        write!(self.path, "{pid}/{file}").ok()?;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
        let fd = rustix::fs::openat(root.as_fd(), self.path.as_str(), flags, Mode::empty()).ok()?;
        self.buf.clear();
        loop {
            if self.buf.capacity() - self.buf.len() < 512 {
                self.buf.reserve(4096);
            }
            let n = rustix::io::read(&fd, spare_capacity(&mut self.buf)).ok()?;
            // `stat` is one line, so a read that ends it needs no second read to see EOF.
            if n == 0 || (file == "stat" && self.buf.ends_with(b"\n")) {
                return Some(());
            }
        }
    }
}

/// The kernel's page size from the first mapping in `/proc/self/smaps`; 4096 when unreadable.
///
/// Not `rustix::param::page_size()`: its auxv parsing crashes under valgrind, which the collector's
/// instruction-count benchmarks run under.
fn page_size() -> u64 {
    use std::io::Read as _;
    let mut head = String::new();
    let _ = std::fs::File::open("/proc/self/smaps")
        .and_then(|f| f.take(4096).read_to_string(&mut head));
    parse::parse_kernel_page_size(&head).unwrap_or(4096)
}

fn open_dir(root: &Path) -> Option<(OwnedFd, Dir)> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(root, flags, Mode::empty()).ok()?;
    let dir = Dir::read_from(&fd).ok()?;
    Some((fd, dir))
}

#[cfg(test)]
mod tests;
