//! The websocket upgrade's query string and the worker id it claims.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use psmonitor_core::hub::fuzzing::query_value;
use psmonitor_core::workers::{ClaimError, Credential, WorkerRegistry};

/// The seed of the registry the query target claims from: its first worker id is in the corpus.
pub const WORKER_SEED: [u8; 32] = [1; 32];
/// The subscriber the query target's worker is created for.
pub const SUBSCRIBER: &str = "3f1c2d4e-0000-4000-8000-000000000001";

/// Reads `data` (lossily UTF-8) as the query of `/connect` and claims a worker with it.
///
/// Each value found is the value of a `key=value` pair of the query and holds no `&`; the claim
/// succeeds only with the worker's exact id and subscriber, and consumes the id whatever the
/// outcome.
pub fn query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let query = Some(text.as_ref());
    for key in ["id", "subscriber", "detail"] {
        if let Some(value) = query_value(query, key) {
            assert!(!value.contains('&'));
            let pair = format!("{key}={value}");
            assert!(
                text.split('&').any(|p| p == pair),
                "{key:?} read from no pair"
            );
        }
    }
    let id = query_value(query, "id");
    let subscriber = query_value(query, "subscriber");
    let now = Instant::now();
    let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut workers = WorkerRegistry::new(WORKER_SEED, Duration::from_secs(5), 16);
    let created = workers
        .create(SUBSCRIBER, Credential::Session { started: 0 }, client, now)
        .expect("room for one");
    let outcome = workers.claim(id, subscriber, now);
    let expected = if id != Some(created.as_str()) {
        Err(ClaimError::InvalidId)
    } else if subscriber != Some(SUBSCRIBER) {
        Err(ClaimError::InvalidSubscriber)
    } else {
        Ok(Credential::Session { started: 0 })
    };
    assert_eq!(outcome, expected);
    assert_eq!(
        workers.pending_len(),
        usize::from(id != Some(created.as_str()))
    );
    assert_eq!(
        workers.claim(Some(created.as_str()), Some(SUBSCRIBER), now),
        if id == Some(created.as_str()) {
            Err(ClaimError::InvalidId)
        } else {
            Ok(Credential::Session { started: 0 })
        }
    );
}
