//! `/history` queries in progress, bounded: each costs the history store real work (a scan of
//! up to 2,000 points per series), so one client cannot queue enough of them to delay everyone
//! else's. A client (an address; an IPv6 /64) may have [`PER_CLIENT`] queries in progress; more
//! get 429 with `Retry-After`. All clients together may have [`IN_ALL`]; more get 503.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::ReqId;
use crate::limiter::client_key;

/// Queries one client may have in progress.
pub const PER_CLIENT: usize = 2;
/// Queries in progress in all.
pub const IN_ALL: usize = 32;

/// Why a query was not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// This client has [`PER_CLIENT`] in progress (429).
    Client,
    /// [`IN_ALL`] are in progress (503).
    Full,
}

/// The queries in progress, by request and by client.
#[derive(Debug, Default)]
pub(super) struct HistoryQuota {
    by_req: BTreeMap<ReqId, IpAddr>,
    by_client: BTreeMap<IpAddr, usize>,
}

impl HistoryQuota {
    /// Counts a query `req` from `peer`, or says why it may not start.
    pub(super) fn begin(&mut self, req: ReqId, peer: IpAddr) -> Result<(), Refused> {
        let key = client_key(peer);
        let mine = self.by_client.get(&key).copied().unwrap_or(0);
        if mine >= PER_CLIENT {
            return Err(Refused::Client);
        }
        if self.by_req.len() >= IN_ALL {
            return Err(Refused::Full);
        }
        self.by_req.insert(req, key);
        self.by_client.insert(key, mine + 1);
        Ok(())
    }

    /// The query `req` was answered (or dropped).
    pub(super) fn end(&mut self, req: ReqId) {
        let Some(key) = self.by_req.remove(&req) else {
            return;
        };
        if let Some(count) = self.by_client.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.by_client.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn per_client_then_in_all_and_answers_free_places() {
        let mut quota = HistoryQuota::default();
        assert_eq!(quota.begin(ReqId(1), ip(1)), Ok(()));
        assert_eq!(quota.begin(ReqId(2), ip(1)), Ok(()));
        assert_eq!(quota.begin(ReqId(3), ip(1)), Err(Refused::Client));
        quota.end(ReqId(1));
        quota.end(ReqId(1));
        assert_eq!(quota.begin(ReqId(4), ip(1)), Ok(()));
        for n in 0..(IN_ALL as u64 - 2) {
            assert_eq!(quota.begin(ReqId(100 + n), ip(10 + (n / 2) as u8)), Ok(()));
        }
        assert_eq!(quota.begin(ReqId(999), ip(200)), Err(Refused::Full));
        quota.end(ReqId(2));
        assert_eq!(quota.begin(ReqId(999), ip(200)), Ok(()));
        // IPv6 clients count per /64.
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        let mut quota = HistoryQuota::default();
        quota.begin(ReqId(1), a).unwrap();
        quota.begin(ReqId(2), b).unwrap();
        assert_eq!(quota.begin(ReqId(3), a), Err(Refused::Client));
    }
}
