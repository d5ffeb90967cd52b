//! Logging in and creating workers, one request each on a caller's [`HttpConnection`]:
//! [`login`] gives a [`Session`] that knows when to renew its token, [`create_worker`] the id
//! a websocket subscribes with. [`Client`](crate::Client) is built on these; a caller that runs
//! many subscribers on one session (the load generator) uses them directly.

use std::fmt;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::ClientError;
use crate::http::{HttpConnection, Reply};

/// Longest margin kept before a token's expiry: the client logs in again this early (or a
/// quarter of the token's lifetime before, when that is shorter), besides the second `iat`
/// may have been rounded down by.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(10);
/// Wait used when a 503 from `/authenticate` has no usable `Retry-After`.
const DEFAULT_BUSY_WAIT: Duration = Duration::from_secs(1);

/// A logged-in session: the access token, whose it is, and when to renew it.
#[derive(Clone)]
pub struct Session {
    /// The bearer token, wiped from memory on drop and never shown by `Debug`.
    pub token: Zeroizing<String>,
    /// The account's id, the `subscriber` of a websocket.
    pub user_id: String,
    /// When to log in again: a quarter of the token's lifetime (at most 10 s) before it ends,
    /// counted from receipt less the second `iat` is rounded to; `None` when the token does
    /// not say how long it lives.
    pub renew_at: Option<Instant>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

impl Session {
    /// True once the token should be renewed (at or after [`Session::renew_at`]).
    pub fn is_stale(&self, now: Instant) -> bool {
        self.renew_at.is_some_and(|at| now >= at)
    }
}

/// Logs in with `POST /authenticate` on `conn`. A 401 is [`ClientError::BadCredentials`], a 429
/// [`ClientError::RateLimited`], a 503 [`ClientError::Busy`].
pub async fn login(
    conn: &mut HttpConnection,
    username: &str,
    password: &str,
) -> Result<Session, ClientError> {
    let body = Zeroizing::new(
        serde_json::json!({ "username": username, "password": password }).to_string(),
    );
    let reply = conn
        .request("POST", "/authenticate", None, Some(body.as_bytes()))
        .await?;
    match reply.status {
        200 => {}
        401 => return Err(ClientError::BadCredentials),
        429 => return Err(reply.rate_limited()),
        503 => {
            return Err(ClientError::Busy {
                retry_after: reply.retry_after.unwrap_or(DEFAULT_BUSY_WAIT),
            });
        }
        _ => return Err(reply.unexpected("/authenticate")),
    }
    #[derive(serde::Deserialize)]
    struct Login {
        token: String,
        user_id: String,
    }
    let login: Login = parse(&reply, "/authenticate")?;
    // By the token's own lifetime from now, not by its `exp` against our clock, which may be
    // off the server's by any amount.
    let renew_at = token_lifetime(&login.token).map(|life| Instant::now() + renew_after(life));
    Ok(Session {
        token: Zeroizing::new(login.token),
        user_id: login.user_id,
        renew_at,
    })
}

/// Creates a worker with `POST /worker` on `conn`; its id, for
/// [`Subscription::connect`](crate::Subscription::connect). A refused token is
/// [`ClientError::Status`] with status 401.
pub async fn create_worker(conn: &mut HttpConnection, token: &str) -> Result<String, ClientError> {
    let reply = conn.request("POST", "/worker", Some(token), None).await?;
    match reply.status {
        200 => worker_id(&reply),
        429 => Err(reply.rate_limited()),
        _ => Err(reply.unexpected("/worker")),
    }
}

/// The worker id in a `POST /worker` answer.
pub(crate) fn worker_id(reply: &Reply) -> Result<String, ClientError> {
    #[derive(serde::Deserialize)]
    struct Worker {
        id: String,
    }
    parse::<Worker>(reply, "/worker").map(|w| w.id)
}

/// Parses a JSON body, naming the path on failure.
pub(crate) fn parse<T: DeserializeOwned>(reply: &Reply, path: &str) -> Result<T, ClientError> {
    serde_json::from_slice(&reply.body)
        .map_err(|e| ClientError::invalid_body(format!("body from {path}"), e))
}

/// A JWT's lifetime, `exp - iat`, read without verifying the signature (the client only uses
/// it to time renewal; the server checks the token). `None` when the token is not a JWT, lacks
/// either claim, or expires before it was issued.
pub fn token_lifetime(token: &str) -> Option<Duration> {
    #[derive(serde::Deserialize)]
    struct Claims {
        iat: u64,
        exp: u64,
    }
    let claims: Claims = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    claims.exp.checked_sub(claims.iat).map(Duration::from_secs)
}

/// How long after receiving a token of lifetime `life` to log in again: a quarter of the
/// lifetime early, at most [`MAX_REFRESH_MARGIN`]. `iat` and `exp` are whole seconds, so the
/// token may have been issued up to a second after `iat`: that second does not count.
fn renew_after(life: Duration) -> Duration {
    let usable = life.saturating_sub(Duration::from_secs(1));
    usable - (usable / 4).min(MAX_REFRESH_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lifetime_without_verifying() {
        use base64::Engine;
        let enc = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let token = |claims: &str| format!("{}.{}.sig", enc("{}"), enc(claims));
        assert_eq!(
            token_lifetime(&token(r#"{"sub":"u","iat":1700000000,"exp":1700000060}"#)),
            Some(Duration::from_secs(60))
        );
        assert_eq!(token_lifetime("garbage"), None);
        assert_eq!(token_lifetime("a.!!!.c"), None);
        assert_eq!(token_lifetime(&token(r#"{"sub":"u","exp":1}"#)), None);
        assert_eq!(token_lifetime(&token(r#"{"sub":"u","iat":1}"#)), None);
        assert_eq!(token_lifetime(&token(r#"{"iat":9,"exp":1}"#)), None);
    }

    #[test]
    fn renews_a_quarter_early_at_most_ten_seconds() {
        let secs = Duration::from_secs;
        // The first second is the rounding of `iat`.
        assert_eq!(renew_after(secs(61)), secs(50));
        assert_eq!(renew_after(secs(9)), secs(6));
        assert_eq!(renew_after(secs(2)), Duration::from_millis(750));
        assert_eq!(renew_after(secs(3601)), secs(3590));
        assert_eq!(renew_after(secs(1)), Duration::ZERO);
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn debug_hides_the_token() {
        let session = Session {
            token: Zeroizing::new("secret-token".into()),
            user_id: "u".into(),
            renew_at: None,
        };
        assert!(!format!("{session:?}").contains("secret-token"));
    }
}
