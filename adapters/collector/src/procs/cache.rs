//! What the process reader remembers per pid between samples: name and owner, which cost extra
//! reads, keyed by pid and checked against the start time so a reused pid is never mistaken; and
//! the process's `stat`, held open so the next sample re-reads it without a path walk.

use std::collections::HashMap;

use rustix::fd::OwnedFd;

/// What is known about one live process.
#[derive(Debug)]
pub struct Entry {
    /// Start time in clock ticks after boot; a different one means the pid was reused.
    pub start: u64,
    /// The raw `comm` the name was resolved from; a different one means the process exec'd.
    pub comm: Box<[u8]>,
    /// Kernel threads are remembered so they are not re-read every sample.
    pub kernel_thread: bool,
    /// The resolved name (psutil's `name()`).
    pub name: String,
    /// The owner's user name.
    pub user: String,
    /// `/proc/PID/stat`, held open (counted in [`Cache::held`]); `None` for kernel threads and
    /// for processes past the cap. The kernel ties it to this process, not to its pid: once the
    /// process is reaped a read fails with `ESRCH`, even if the pid was reused.
    pub stat: Option<OwnedFd>,
    /// Whether name and owner are current; [`Cache::expire`] clears it every
    /// [`super::REFRESH_EVERY`] samples so they are read again (the held `stat` is kept).
    pub fresh: bool,
    /// The last sample that saw this pid.
    seen: u64,
}

impl Entry {
    /// A new entry with current name and owner; it counts as seen in the sample it is inserted in.
    pub fn new(start: u64, comm: &[u8], kernel_thread: bool, name: String, user: String) -> Self {
        Self {
            start,
            comm: comm.into(),
            kernel_thread,
            name,
            user,
            stat: None,
            fresh: true,
            seen: 0,
        }
    }

    /// Whether this entry still describes the process with this start time and `comm`.
    pub fn matches(&self, start: u64, comm: &[u8]) -> bool {
        self.start == start && *self.comm == *comm
    }
}

/// Per-pid entries, swept of vanished pids after each sample.
#[derive(Debug, Default)]
pub struct Cache {
    /// foldhash, not SipHash: a lookup per process per sample, and pids are not chosen by
    /// whoever sends requests.
    entries: HashMap<u32, Entry, foldhash::fast::RandomState>,
    sample: u64,
    /// How many `stat` descriptors are held: exact after [`Self::finish_sample`]; during a
    /// sample never below the true count (each new one is counted by [`Self::hold`] first).
    held: usize,
}

impl Cache {
    /// Starts a sample: entries not touched before [`Self::finish_sample`] are evicted.
    pub fn start_sample(&mut self) {
        self.sample += 1;
    }

    /// The entry of `pid`, marked as seen in this sample.
    pub fn touch(&mut self, pid: u32) -> Option<&mut Entry> {
        let entry = self.entries.get_mut(&pid)?;
        entry.seen = self.sample;
        Some(entry)
    }

    /// Stores `entry` for `pid` (replacing a stale one), seen in this sample.
    pub fn insert(&mut self, pid: u32, mut entry: Entry) -> &Entry {
        entry.seen = self.sample;
        if let Some(old) = self.entries.insert(pid, entry) {
            self.dropped(old.stat);
        }
        &self.entries[&pid]
    }

    /// Forgets `pid` (it vanished mid-read or is malformed), closing its `stat`.
    pub fn remove(&mut self, pid: u32) {
        if let Some(old) = self.entries.remove(&pid) {
            self.dropped(old.stat);
        }
    }

    /// Evicts every pid not seen in this sample (closing their `stat`), and counts what is held.
    pub fn finish_sample(&mut self) {
        let sample = self.sample;
        self.entries.retain(|_, e| e.seen == sample);
        self.held = self.entries.values().filter(|e| e.stat.is_some()).count();
    }

    /// Marks every name and owner as out of date, so the next sample reads them again; the
    /// held descriptors stay open.
    pub fn expire(&mut self) {
        for entry in self.entries.values_mut() {
            entry.fresh = false;
        }
    }

    /// Counts one more held descriptor if fewer than `cap` are held; `false` when at the cap
    /// (the caller closes it instead).
    pub fn hold(&mut self, cap: usize) -> bool {
        let room = self.held < cap;
        self.held += usize::from(room);
        room
    }

    /// Closes a held descriptor taken out of an entry (`None`: nothing was held).
    pub fn dropped(&mut self, stat: Option<OwnedFd>) {
        if stat.is_some() {
            self.held = self.held.saturating_sub(1);
        }
    }

    /// How many `stat` descriptors are held open.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Every remembered pid (the last listing's, less those gone since).
    pub fn pids(&self, into: &mut Vec<u32>) {
        into.extend(self.entries.keys().copied());
    }

    /// How many pids are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(start: u64, comm: &str) -> Entry {
        Entry::new(
            start,
            comm.as_bytes(),
            false,
            comm.to_owned(),
            "root".to_owned(),
        )
    }

    fn held(start: u64, comm: &str) -> Entry {
        let mut e = entry(start, comm);
        e.stat = Some(
            rustix::fs::open(
                "/dev/null",
                rustix::fs::OFlags::RDONLY,
                rustix::fs::Mode::empty(),
            )
            .expect("open"),
        );
        e
    }

    #[test]
    fn unseen_pids_are_evicted() {
        let mut cache = Cache::default();
        cache.start_sample();
        cache.insert(1, entry(10, "init"));
        cache.insert(2, entry(20, "gone"));
        cache.finish_sample();
        cache.start_sample();
        assert!(cache.touch(1).is_some());
        cache.finish_sample();
        assert_eq!(cache.len(), 1);
        assert!(cache.touch(2).is_none());
    }

    #[test]
    fn reused_pid_or_exec_does_not_match() {
        let e = entry(10, "bash");
        assert!(e.matches(10, b"bash"));
        assert!(!e.matches(11, b"bash"), "pid reused");
        assert!(!e.matches(10, b"vim"), "exec'd");
    }

    #[test]
    fn held_descriptors_are_capped_and_counted_as_they_go() {
        let mut cache = Cache::default();
        cache.start_sample();
        assert!(cache.hold(2) && cache.hold(2));
        assert!(!cache.hold(2), "at the cap");
        cache.insert(1, held(10, "a"));
        cache.insert(2, held(20, "b"));
        cache.insert(3, entry(30, "c"));
        cache.finish_sample();
        assert_eq!(cache.held(), 2);
        // Replacing or removing an entry closes its descriptor; so does eviction.
        cache.start_sample();
        cache.insert(1, entry(11, "a2"));
        assert_eq!(cache.held(), 1);
        cache.touch(3);
        cache.finish_sample();
        assert_eq!((cache.held(), cache.len()), (0, 2), "2 was evicted");
        // Expiry keeps the descriptors and only marks the names stale.
        cache.start_sample();
        assert!(cache.hold(2));
        cache.insert(4, held(40, "d"));
        cache.touch(1);
        cache.touch(3);
        cache.finish_sample();
        cache.expire();
        cache.start_sample();
        let e = cache.touch(4).expect("kept");
        assert!(!e.fresh && e.stat.is_some());
        assert_eq!(cache.held(), 1);
    }
}
