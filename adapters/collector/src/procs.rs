//! A lean Linux process reader: per sample one `readdir` of `/proc` and one read of
//! `/proc/PID/stat` per process (name, start time, flags and rss in one line).
//!
//! Each process's `stat` stays open between samples and is re-read with a positioned read at
//! offset 0: one `pread` a process per sample instead of `openat`, `read` and `close`, whose path
//! walk is most of a scan's cost. The kernel ties the descriptor to the process, not to its pid:
//! once the process is reaped a read fails with `ESRCH` (even if the pid was reused), the
//! descriptor is closed and the file is opened again by path. At most [`held_files`] of them are
//! held (a share of the open-file limit, which the server counts in its connection budget);
//! processes past that cap are read by path each sample, as before.
//!
//! The name and owner cost extra reads (`status` for the real uid, `cmdline` when `comm` may be
//! truncated), so they are cached per pid ([`cache`]) and re-read only when the pid is new, its
//! start time changed (the pid was reused) or its `comm` changed (it exec'd), and for every pid
//! once per [`REFRESH_EVERY`] samples (catches a `setuid` without exec). Vanished pids are evicted
//! and their descriptors closed.
//!
//! Kernel threads (`PF_KTHREAD`, no memory of their own) are left out: the snapshot shows the
//! top processes by resident memory, where their rss of 0 never counts. They are remembered, so
//! their `stat` is read once per [`REFRESH_EVERY`] samples, not every sample, and never held. A
//! process that vanishes mid-read is skipped.

mod cache;
mod parse;

use std::path::{Path, PathBuf};

use psmonitor_core::model::ProcessReading;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Dir, FileType, Mode, OFlags};

use self::cache::{Cache, Entry};
use self::parse::{COMM_MAX, parse_stat, parse_status_uid, process_name};
use crate::held;
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

/// The most samples in a row that reuse the last listing of the root (see
/// [`ProcessReader::read_since`]).
pub const LIST_EVERY: u64 = 10;

/// The most `stat` files held open at once, whatever the open-file limit. Each costs the kernel
/// about 4.2 KiB (mostly the page `seq_file` keeps for it after the first read, measured with
/// `Slab` in `/proc/meminfo`), charged to the server's memory cgroup: 2.1 MiB at most.
pub const MAX_HELD: usize = 512;

/// How many `stat` files the reader holds open at most under an open-file limit of `nofile`:
/// an eighth of it, at most [`MAX_HELD`] (128 under the common soft limit of 1,024).
pub fn held_files(nofile: usize) -> usize {
    (nofile / 8).min(MAX_HELD)
}

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
    /// How many `stat` files may be held open; taken from the open-file limit at the first
    /// read (after the server has raised it) unless set with [`Self::with_held_cap`].
    held_cap: Option<usize>,
    /// The newest pid when the root was last listed, and the sample that listed it.
    listed: Option<(u32, u64)>,
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
            held_cap: None,
            listed: None,
        }
    }

    /// A reader that holds at most `cap` `stat` files open (0: reads every one by path).
    pub fn with_held_cap(root: impl Into<PathBuf>, cap: usize) -> Self {
        Self {
            held_cap: Some(cap),
            ..Self::new(root)
        }
    }

    /// How many `stat` files are held open now.
    pub fn held(&self) -> usize {
        self.cache.held()
    }

    /// Every user-space process, sorted by pid; empty when the root cannot be read.
    pub fn read(&mut self, users: &mut UserNames) -> Vec<ProcessReading> {
        self.read_since(users, None)
    }

    /// [`Self::read`], told the newest pid the kernel has handed out (`/proc/loadavg`'s fifth
    /// field, read before this call). While it is the one seen at the last listing, no process
    /// was created since, so the root is not listed again: the processes are the ones known,
    /// less those whose `stat` no longer reads (gone). The root is listed anyway every
    /// [`LIST_EVERY`] samples, and whenever `newest` is `None`.
    pub fn read_since(
        &mut self,
        users: &mut UserNames,
        newest: Option<u32>,
    ) -> Vec<ProcessReading> {
        if self.samples.is_multiple_of(REFRESH_EVERY) {
            self.cache.expire();
        }
        self.samples += 1;
        let cap = *self
            .held_cap
            .get_or_insert_with(|| held_files(open_file_limit()));
        let pids = self.pids(newest);
        self.cache.start_sample();
        let Some((root, dir)) = self.dir.take() else {
            return Vec::new();
        };
        let mut processes = Vec::with_capacity(pids.len());
        for pid in pids {
            if let Some(p) = self.read_one(&root, pid, cap, users) {
                processes.push(p);
            }
        }
        self.cache.finish_sample();
        self.dir = Some((root, dir));
        processes.sort_unstable_by_key(|p| p.pid);
        processes
    }

    /// The pids to read: the numeric entries of the root, from the open directory stream
    /// (rewound) or a new one; or the known ones when no pid was handed out since the last
    /// listing (see [`Self::read_since`]).
    fn pids(&mut self, newest: Option<u32>) -> Vec<u32> {
        let unchanged = self.listed.is_some_and(|(pid, at)| {
            newest == Some(pid) && self.samples.saturating_sub(at) < LIST_EVERY
        });
        if unchanged && self.dir.is_some() {
            let mut pids = Vec::with_capacity(self.cache.len());
            self.cache.pids(&mut pids);
            return pids;
        }
        self.listed = newest.map(|pid| (pid, self.samples));
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
        cap: usize,
        users: &mut UserNames,
    ) -> Option<ProcessReading> {
        let known = self.cache.touch(pid);
        if known.as_ref().is_some_and(|e| e.kernel_thread && e.fresh) {
            return None;
        }
        let held = known.and_then(|e| e.stat.take());
        let Some((fd, was_held)) = self.read_stat(root, pid, held) else {
            self.cache.remove(pid);
            return None;
        };
        let Some(stat) = parse_stat(&self.buf) else {
            self.cache.dropped(was_held.then_some(fd));
            self.cache.remove(pid);
            return None;
        };
        // Keep the descriptor of a user process if it was held, or if there is room for it.
        let fd = if stat.kernel_thread {
            self.cache.dropped(was_held.then_some(fd));
            None
        } else if was_held || self.cache.hold(cap) {
            Some(fd)
        } else {
            None
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
        // The usual case, a known process: one more lookup, `comm` compared where it was read.
        if let Some(entry) = self.cache.touch(pid)
            && entry.fresh
            && entry.matches(start, stat.comm)
        {
            entry.stat = fd;
            return reading(entry);
        }
        let comm: Box<[u8]> = stat.comm.into();
        let mut entry = if kernel_thread {
            Entry::new(start, &comm, true, String::new(), String::new())
        } else {
            let Some(entry) = self.resolve(root, pid, start, &comm, users) else {
                self.cache.dropped(fd);
                self.cache.remove(pid);
                return None;
            };
            entry
        };
        entry.stat = fd;
        reading(self.cache.insert(pid, entry))
    }

    /// Reads `pid`'s `stat` into `self.buf`: through `held` while that still reads, else opened
    /// by path. Gives the descriptor it read and whether it was the held one; `None` when the
    /// process vanished.
    fn read_stat(
        &mut self,
        root: &OwnedFd,
        pid: u32,
        held: Option<OwnedFd>,
    ) -> Option<(OwnedFd, bool)> {
        if let Some(fd) = held {
            if read_from_start(&fd, &mut self.buf, true) {
                return Some((fd, true));
            }
            // Reaped (`ESRCH`) or unreadable: closed here, and opened again by path.
            self.cache.dropped(Some(fd));
        }
        let fd = self.open(root, pid, "stat")?;
        read_from_start(&fd, &mut self.buf, true).then_some((fd, false))
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

    /// Reads `<root>/<pid>/<file>` into `self.buf` (open, read, close); `None` when it vanished
    /// or is unreadable.
    fn read_file(&mut self, root: &OwnedFd, pid: u32, file: &str) -> Option<()> {
        let fd = self.open(root, pid, file)?;
        read_from_start(&fd, &mut self.buf, false).then_some(())
    }

    /// Opens `<root>/<pid>/<file>` for reading.
    fn open(&mut self, root: &OwnedFd, pid: u32, file: &str) -> Option<OwnedFd> {
        use std::fmt::Write as _;
        self.path.clear();
        write!(self.path, "{pid}/{file}").ok()?;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
        rustix::fs::openat(root.as_fd(), self.path.as_str(), flags, Mode::empty()).ok()
    }
}

/// Reads `pid`'s file through `fd` from offset 0 into `buf`; `false` when the read fails
/// (`ESRCH`: the process was reaped) or, for `stat` (`one_line`), finds it empty.
fn read_from_start(fd: &OwnedFd, buf: &mut Vec<u8>, one_line: bool) -> bool {
    matches!(held::read_from_start(fd, buf, one_line), Ok(n) if n > 0 || !one_line)
}

/// The soft open-file limit (`RLIMIT_NOFILE`); unlimited when it has none.
fn open_file_limit() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    limit
        .current
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
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
