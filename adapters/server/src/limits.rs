//! Connection limits that keep one client address, or running out of file descriptors, from
//! holding the server open: a cap per address on HTTP connections (those still sending their
//! request, or idle between requests), a cap on all connections below the open-file limit, and a
//! spare descriptor so a connection refused for lack of descriptors still gets its answer.
//!
//! The open-file limit is shared: [`FD_HEADROOM`] for the database, the keyring, the log and the
//! host-level `/proc` files; the collector's held `/proc/PID/stat` files
//! ([`psmonitor_collector::held_descriptors`]); the rest for connections.

use std::collections::HashMap;
use std::fs::File;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use psmonitor_core::limiter::client_key;

/// Descriptors kept free for the database, the host reader, the keyring and the log.
const FD_HEADROOM: usize = 64;

/// Descriptors that are not for connections under an open-file limit of `nofile`: the headroom
/// and the collector's held `stat` files.
pub(crate) fn reserved_fds(nofile: usize) -> usize {
    FD_HEADROOM.saturating_add(psmonitor_collector::held_descriptors(nofile))
}

/// Counts open connections, in all and per address while they speak HTTP.
#[derive(Debug)]
pub(crate) struct ConnLimits {
    per_addr: Mutex<HashMap<IpAddr, usize>>,
    max_per_addr: usize,
    open: AtomicUsize,
    max_open: usize,
}

/// Why a connection was refused at accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// This address already holds its share of HTTP connections.
    Address,
    /// The server holds as many connections as its descriptors allow.
    Full,
}

impl ConnLimits {
    /// Limits for `max_per_addr` HTTP connections per address and `max_open` in all.
    pub(crate) fn new(max_per_addr: usize, max_open: usize) -> Arc<Self> {
        Arc::new(Self {
            per_addr: Mutex::new(HashMap::new()),
            max_per_addr,
            open: AtomicUsize::new(0),
            max_open,
        })
    }

    /// Limits that fit the process's open-file limit `nofile` and `by_memory` connections
    /// (see `memory_budget.rs`).
    pub(crate) fn for_nofile(max_per_addr: usize, nofile: usize, by_memory: usize) -> Arc<Self> {
        let by_fds = nofile.saturating_sub(reserved_fds(nofile)).max(16);
        Self::new(max_per_addr, by_fds.min(by_memory))
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Admits a new HTTP connection from `ip`, or says why not.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<ConnPermit, Refusal> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max_open {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Full);
        }
        let key = client_key(ip);
        let mut map = self.per_addr.lock().unwrap_or_else(|e| e.into_inner());
        let count = map.entry(key).or_insert(0);
        if *count >= self.max_per_addr {
            drop(map);
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Address);
        }
        *count += 1;
        Ok(ConnPermit {
            limits: self.clone(),
            http_key: Some(key),
        })
    }

    fn release_http(&self, key: IpAddr) {
        let mut map = self.per_addr.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = map.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                map.remove(&key);
            }
        }
    }
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct ConnPermit {
    limits: Arc<ConnLimits>,
    http_key: Option<IpAddr>,
}

impl ConnPermit {
    /// The connection became a websocket: it no longer counts against its address's HTTP share
    /// (the hub caps websockets).
    pub(crate) fn upgraded(&mut self) {
        if let Some(key) = self.http_key.take() {
            self.limits.release_http(key);
        }
    }
}

impl Drop for ConnPermit {
    fn drop(&mut self) {
        self.upgraded();
        self.limits.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Raises the soft open-file limit to the hard one; returns the limit now in force.
#[cfg(unix)]
pub(crate) fn raise_nofile_limit() -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    let now = if limit.current != limit.maximum && setrlimit(Resource::Nofile, raised).is_ok() {
        limit.maximum
    } else {
        limit.current
    };
    now.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Without Unix resource limits there is no open-file limit to raise or to plan by.
#[cfg(not(unix))]
pub(crate) fn raise_nofile_limit() -> usize {
    usize::MAX
}

/// A descriptor held in reserve: released to accept (and answer) one connection when the
/// process has run out, then taken again.
#[derive(Debug)]
pub(crate) struct SpareFd(Option<File>);

impl SpareFd {
    /// Opens the spare (on `/dev/null`).
    pub(crate) fn new() -> Self {
        Self(File::open("/dev/null").ok())
    }

    /// Gives the descriptor back to the process.
    pub(crate) fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes a descriptor again, if one is free.
    pub(crate) fn restore(&mut self) {
        if self.0.is_none() {
            self.0 = File::open("/dev/null").ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_its_share_and_frees_it() {
        let limits = ConnLimits::new(2, 100);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.1".parse().unwrap();
        let p1 = limits.admit(a).unwrap();
        let mut p2 = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).unwrap_err(), Refusal::Address);
        let _other = limits.admit(b).unwrap();
        p2.upgraded();
        let p3 = limits.admit(a).unwrap();
        assert_eq!(limits.open(), 4);
        drop((p1, p2, p3));
        assert_eq!(limits.open(), 1);
        assert!(limits.per_addr.lock().unwrap().get(&a).is_none());
    }

    #[test]
    fn ipv6_hosts_share_their_slash_64() {
        let limits = ConnLimits::new(1, 100);
        let _p = limits.admit("2001:db8::1".parse().unwrap()).unwrap();
        let refused = limits.admit("2001:db8::ffff:1".parse().unwrap());
        assert_eq!(refused.unwrap_err(), Refusal::Address);
        assert!(limits.admit("2001:db8:0:1::1".parse().unwrap()).is_ok());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_collector_s_held_files_come_out_of_the_connections() {
        // 1,024 (the front door tests' prlimit): 64 spare, 128 held `stat` files, 832 left.
        assert_eq!(reserved_fds(1024), 64 + 128);
        let limits = ConnLimits::for_nofile(10, 1024, usize::MAX);
        assert_eq!(limits.max_open, 832);
        // A high limit: the collector holds at most its fixed maximum.
        let held = psmonitor_collector::held_descriptors(1 << 20);
        assert_eq!(held, 512);
        let limits = ConnLimits::for_nofile(10, 1 << 20, usize::MAX);
        assert_eq!(limits.max_open, (1 << 20) - 64 - held);
        // A tiny limit still leaves the minimum.
        assert_eq!(ConnLimits::for_nofile(10, 72, usize::MAX).max_open, 16);
    }

    #[test]
    fn the_total_is_capped() {
        let limits = ConnLimits::new(10, 2);
        let _a = limits.admit("10.0.0.1".parse().unwrap()).unwrap();
        let _b = limits.admit("10.0.0.2".parse().unwrap()).unwrap();
        let refused = limits.admit("10.0.0.3".parse().unwrap());
        assert_eq!(refused.unwrap_err(), Refusal::Full);
        assert_eq!(limits.open(), 2);
    }
}
