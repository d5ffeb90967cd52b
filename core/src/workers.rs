//! Worker pairing: a token holder creates a worker, then claims it once by opening the websocket
//! with the worker's id and its own user id as `subscriber`.
//!
//! Worker ids are 256 bits from a keyed BLAKE2b counter over the hub's seed (a deterministic
//! CSPRNG), printed as 43 base64url characters. Any claim attempt consumes the id, matching or not.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use blake2::{Blake2b256, Digest};

use crate::limiter::client_key;

/// A worker id: 43 base64url characters; redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(String);

impl WorkerId {
    /// The id's text, as sent to the client.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WorkerId(<redacted>)")
    }
}

/// A deterministic CSPRNG: BLAKE2b-256 of a domain tag, the 256-bit seed and a counter.
struct IdRng {
    seed: [u8; 32],
    counter: u64,
}

impl IdRng {
    fn next_id(&mut self) -> [u8; 32] {
        self.counter += 1;
        Blake2b256::new()
            .chain_update(b"psmonitor worker id v1\0")
            .chain_update(self.seed)
            .chain_update(self.counter.to_le_bytes())
            .finalize()
            .into()
    }
}

impl fmt::Debug for IdRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdRng(<redacted>)")
    }
}

/// Why a worker could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// The user already has the maximum number of unclaimed workers.
    #[error("too many unclaimed workers")]
    TooManyPending,
}

/// Why a websocket could not claim a worker; the `Display` text is the close reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// No id, or one that is unknown, expired or already claimed.
    #[error("Invalid worker id")]
    InvalidId,
    /// The id exists but belongs to another subscriber.
    #[error("Invalid subscriber")]
    InvalidSubscriber,
}

impl ClaimError {
    /// The close reason, as a static string for [`crate::hub::Output::Close`].
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Self::InvalidId => "Invalid worker id",
            Self::InvalidSubscriber => "Invalid subscriber",
        }
    }
}

/// The credential a worker was asked for with; its stream lasts only as long as that credential.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A JWT from the password login made at `started` (unix seconds): the stream ends when the
    /// credentials are reset.
    Session {
        /// When the login that began this session was made.
        started: u64,
    },
    /// The API token with this SHA-256: the stream ends when the token is revoked.
    ApiToken([u8; 32]),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session { started } => write!(f, "Session {{ started: {started} }}"),
            Self::ApiToken(_) => f.write_str("ApiToken(<hash>)"),
        }
    }
}

/// Unclaimed workers kept at most, whoever asked for them.
const MAX_PENDING_TOTAL: usize = 4096;
/// Unclaimed workers one credential (an API token, or one login session) may hold in all, from
/// any number of addresses, as a multiple of the per-address cap: one token used from many
/// addresses cannot take every slot, and the owner's other credentials keep theirs.
pub const CREDENTIAL_SHARE: usize = 4;

#[derive(Debug)]
struct Pending {
    subscriber: String,
    /// The user and client address it counts against.
    owner: (String, IpAddr),
    credential: Credential,
    expires: Instant,
    seq: u64,
}

/// Unclaimed workers, their owners and expiry times; `Debug` shows counts, never ids.
pub struct WorkerRegistry {
    rng: IdRng,
    ttl: Duration,
    max_pending: usize,
    pending: HashMap<String, Pending>,
    /// Expiry order: (expires, creation sequence) to id.
    expiry: BTreeMap<(Instant, u64), String>,
    /// Unclaimed workers per user and client address.
    per_client: HashMap<(String, IpAddr), usize>,
    /// Unclaimed workers per user and credential, from any address.
    per_credential: HashMap<(String, Credential), usize>,
}

impl fmt::Debug for WorkerRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerRegistry")
            .field("ttl", &self.ttl)
            .field("max_pending", &self.max_pending)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl WorkerRegistry {
    /// A registry whose ids derive from `seed`; workers live `ttl`, at most `max_pending` per user
    /// and client address and [`CREDENTIAL_SHARE`] times that per credential (one token holder
    /// cannot take every slot from the others, from one address or from many).
    #[must_use]
    pub fn new(seed: [u8; 32], ttl: Duration, max_pending: usize) -> Self {
        Self {
            rng: IdRng { seed, counter: 0 },
            ttl,
            max_pending,
            pending: HashMap::new(),
            expiry: BTreeMap::new(),
            per_client: HashMap::new(),
            per_credential: HashMap::new(),
        }
    }

    /// Unclaimed workers of all users.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Creates a worker for `subscriber` asked for from `client` with `credential`, valid until
    /// `now + ttl`.
    pub fn create(
        &mut self,
        subscriber: &str,
        credential: Credential,
        client: IpAddr,
        now: Instant,
    ) -> Result<WorkerId, CreateError> {
        self.handle_timeout(now);
        let owner = (subscriber.to_owned(), client_key(client));
        let by_credential = (subscriber.to_owned(), credential);
        if self.per_client.get(&owner).copied().unwrap_or(0) >= self.max_pending
            || self
                .per_credential
                .get(&by_credential)
                .copied()
                .unwrap_or(0)
                >= self.max_pending.saturating_mul(CREDENTIAL_SHARE)
            || self.pending.len() >= MAX_PENDING_TOTAL
        {
            return Err(CreateError::TooManyPending);
        }
        let id = URL_SAFE_NO_PAD.encode(self.rng.next_id());
        let expires = now + self.ttl;
        let seq = self.rng.counter;
        self.expiry.insert((expires, seq), id.clone());
        *self.per_client.entry(owner.clone()).or_default() += 1;
        *self.per_credential.entry(by_credential).or_default() += 1;
        self.pending.insert(
            id.clone(),
            Pending {
                subscriber: subscriber.to_owned(),
                owner,
                credential,
                expires,
                seq,
            },
        );
        Ok(WorkerId(id))
    }

    /// Claims worker `id` for `subscriber`; the id is consumed whatever the outcome. Returns the
    /// credential the worker was asked for with.
    pub fn claim(
        &mut self,
        id: Option<&str>,
        subscriber: Option<&str>,
        now: Instant,
    ) -> Result<Credential, ClaimError> {
        self.handle_timeout(now);
        let pending = id
            .and_then(|id| self.remove(id))
            .ok_or(ClaimError::InvalidId)?;
        if now >= pending.expires {
            return Err(ClaimError::InvalidId);
        }
        if subscriber != Some(pending.subscriber.as_str()) {
            return Err(ClaimError::InvalidSubscriber);
        }
        Ok(pending.credential)
    }

    fn remove(&mut self, id: &str) -> Option<Pending> {
        let pending = self.pending.remove(id)?;
        self.expiry.remove(&(pending.expires, pending.seq));
        if let Some(count) = self.per_client.get_mut(&pending.owner) {
            *count -= 1;
            if *count == 0 {
                self.per_client.remove(&pending.owner);
            }
        }
        let by_credential = (pending.subscriber.clone(), pending.credential);
        if let Some(count) = self.per_credential.get_mut(&by_credential) {
            *count -= 1;
            if *count == 0 {
                self.per_credential.remove(&by_credential);
            }
        }
        Some(pending)
    }

    /// When the next unclaimed worker expires.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.expiry.keys().next().map(|(at, _)| *at)
    }

    /// Forgets workers that expired by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((&(at, _), id)) = self.expiry.first_key_value() {
            if at > now {
                break;
            }
            let id = id.clone();
            self.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::disallowed_methods)]
    fn base() -> Instant {
        Instant::now()
    }

    const S: Credential = Credential::Session { started: 1 };
    const TTL: Duration = Duration::from_secs(5);
    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn ids_are_43_char_base64url_unique_and_seeded() {
        let t0 = base();
        let mut a = WorkerRegistry::new([1; 32], TTL, 100);
        let mut b = WorkerRegistry::new([1; 32], TTL, 100);
        let mut c = WorkerRegistry::new([2; 32], TTL, 100);
        let ids: Vec<_> = (0..50).map(|_| a.create("u", S, IP, t0).unwrap()).collect();
        for id in &ids {
            assert_eq!(id.as_str().len(), 43);
            assert!(
                id.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), 50);
        assert_eq!(b.create("u", S, IP, t0).unwrap(), ids[0]);
        assert_ne!(c.create("u", S, IP, t0).unwrap(), ids[0]);
        assert!(!format!("{:?}", ids[0]).contains(ids[0].as_str()));
        assert!(!format!("{a:?}").contains(ids[0].as_str()));
    }

    #[test]
    fn claim_once_with_matching_subscriber() {
        let t0 = base();
        let mut reg = WorkerRegistry::new([1; 32], TTL, 4);
        let id = reg.create("alice", S, IP, t0).unwrap();
        assert_eq!(reg.claim(Some(id.as_str()), Some("alice"), t0), Ok(S));
        assert_eq!(
            reg.claim(Some(id.as_str()), Some("alice"), t0),
            Err(ClaimError::InvalidId)
        );
        let id = reg.create("alice", S, IP, t0).unwrap();
        assert_eq!(
            reg.claim(Some(id.as_str()), Some("bob"), t0),
            Err(ClaimError::InvalidSubscriber)
        );
        assert_eq!(
            reg.claim(None, Some("alice"), t0),
            Err(ClaimError::InvalidId)
        );
        assert_eq!(reg.pending_len(), 0);
    }

    #[test]
    fn expires_after_ttl() {
        let t0 = base();
        let mut reg = WorkerRegistry::new([1; 32], TTL, 4);
        let early = reg.create("u", S, IP, t0).unwrap();
        let late = reg.create("u", S, IP, t0).unwrap();
        assert_eq!(reg.poll_timeout(), Some(t0 + TTL));
        let just_before = t0 + TTL - Duration::from_millis(1);
        assert_eq!(
            reg.claim(Some(early.as_str()), Some("u"), just_before),
            Ok(S)
        );
        assert_eq!(
            reg.claim(Some(late.as_str()), Some("u"), t0 + TTL),
            Err(ClaimError::InvalidId)
        );
        assert_eq!(reg.poll_timeout(), None);
    }

    #[test]
    fn one_client_cannot_take_the_slots_of_another() {
        let t0 = base();
        let mut reg = WorkerRegistry::new([1; 32], TTL, 2);
        reg.create("u", S, IP, t0).unwrap();
        reg.create("u", S, IP, t0).unwrap();
        assert_eq!(reg.create("u", S, IP, t0), Err(CreateError::TooManyPending));
        let other: IpAddr = "192.0.2.77".parse().unwrap();
        assert!(reg.create("u", S, other, t0).is_ok());
    }

    #[test]
    fn pending_cap_per_user_frees_on_expiry_and_claim() {
        let t0 = base();
        let mut reg = WorkerRegistry::new([1; 32], TTL, 2);
        let first = reg.create("u", S, IP, t0).unwrap();
        reg.create("u", S, IP, t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(reg.create("u", S, IP, t0), Err(CreateError::TooManyPending));
        assert!(reg.create("other", S, IP, t0).is_ok());
        reg.claim(Some(first.as_str()), Some("u"), t0).unwrap();
        reg.create("u", S, IP, t0).unwrap();
        assert_eq!(reg.create("u", S, IP, t0), Err(CreateError::TooManyPending));
        reg.handle_timeout(t0 + TTL);
        assert_eq!(reg.pending_len(), 1);
        assert!(reg.create("u", S, IP, t0 + TTL).is_ok());
    }

    #[test]
    fn one_credential_from_many_addresses_cannot_take_every_slot() {
        let t0 = base();
        let mut reg = WorkerRegistry::new([1; 32], TTL, 2);
        let addr = |n: u32| IpAddr::V4(std::net::Ipv4Addr::from(0xcb00_7100 + n));
        let token = Credential::ApiToken([7; 32]);
        let mut made = 0;
        for n in 0..256 {
            for _ in 0..2 {
                if reg.create("u", token, addr(n), t0).is_ok() {
                    made += 1;
                }
            }
        }
        assert_eq!(made, 2 * CREDENTIAL_SHARE);
        // The owner's own session still gets workers.
        assert!(reg.create("u", S, IP, t0).is_ok());
        // The token's share comes back as its workers expire.
        reg.handle_timeout(t0 + TTL);
        assert!(reg.create("u", token, addr(300), t0 + TTL).is_ok());
    }
}
