//! What the process reader remembers per pid between samples: name and owner, which cost extra
//! reads, keyed by pid and checked against the start time so a reused pid is never mistaken.

use std::collections::HashMap;

/// What is known about one live process.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The last sample that saw this pid.
    seen: u64,
}

impl Entry {
    /// A new entry; it counts as seen in the sample it is inserted in.
    pub fn new(start: u64, comm: &[u8], kernel_thread: bool, name: String, user: String) -> Self {
        Self {
            start,
            comm: comm.into(),
            kernel_thread,
            name,
            user,
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
}

impl Cache {
    /// Starts a sample: entries not touched before [`Self::finish_sample`] are evicted.
    pub fn start_sample(&mut self) {
        self.sample += 1;
    }

    /// The entry of `pid`, marked as seen in this sample.
    pub fn touch(&mut self, pid: u32) -> Option<&Entry> {
        let entry = self.entries.get_mut(&pid)?;
        entry.seen = self.sample;
        Some(entry)
    }

    /// Stores `entry` for `pid` (replacing a stale one), seen in this sample.
    pub fn insert(&mut self, pid: u32, mut entry: Entry) -> &Entry {
        entry.seen = self.sample;
        self.entries.insert(pid, entry);
        &self.entries[&pid]
    }

    /// Forgets `pid` (it vanished mid-read or is malformed).
    pub fn remove(&mut self, pid: u32) {
        self.entries.remove(&pid);
    }

    /// Evicts every pid not seen in this sample.
    pub fn finish_sample(&mut self) {
        let sample = self.sample;
        self.entries.retain(|_, e| e.seen == sample);
    }

    /// Forgets everything, so the next sample re-reads every name and owner.
    pub fn clear(&mut self) {
        self.entries.clear();
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
}
