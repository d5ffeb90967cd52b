//! [`Client`]: logs in, keeps its token fresh, fetches snapshots and opens subscriptions.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use psmonitor_core::wire::{NetworkSnapshot, SystemSnapshot};
use psmonitor_tls::{ClientTrust, TlsClient};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::ClientError;
use crate::http::{self, HttpConnection, Reply};
use crate::subscription::Subscription;
use crate::url::Endpoint;

/// Longest margin kept before a token's expiry: the client logs in again this early.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(10);

/// Where and as whom to connect.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL of the server, e.g. `http://127.0.0.1:4500` or `https://host:4500`.
    pub server: String,
    /// Account name, `PSMonitor` on a default server.
    pub username: String,
    /// The password, wiped from memory on drop and never shown by `Debug`.
    pub password: Zeroizing<String>,
    /// Which certificates an `https://` server may present (default: the system trust store).
    pub trust: ClientTrust,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("trust", &self.trust)
            .finish()
    }
}

/// A logged-in session: the token, whose it is, and when to renew it.
struct Session {
    token: Zeroizing<String>,
    user_id: String,
    renew_at: Option<Instant>,
}

/// A connection to one server as one user; logs in again before its token expires and once on a 401.
pub struct Client {
    config: ClientConfig,
    endpoint: Endpoint,
    tls: Option<TlsClient>,
    session: Option<Session>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("logged_in", &self.session.is_some())
            .finish()
    }
}

impl Client {
    /// A client for `config`; checks the URL and sets up TLS for an `https://` server (reading
    /// the CA file and the known-servers file) but does not connect yet.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let endpoint = Endpoint::parse(&config.server)?;
        let tls = http::tls_for(&endpoint, &config.trust)?;
        Ok(Client {
            config,
            endpoint,
            tls,
            session: None,
        })
    }

    /// What vouches for the server's certificate; `None` for a plain `http://` server.
    pub fn trusted_by(&self) -> Option<&psmonitor_tls::TrustedBy> {
        self.tls.as_ref().map(TlsClient::trusted_by)
    }

    /// A keep-alive connection to the same server with the same TLS settings.
    pub fn connection(&self) -> HttpConnection {
        HttpConnection::with_tls(self.endpoint.clone(), self.tls.clone())
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The parsed server address.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Logs in now, replacing any current token.
    pub async fn login(&mut self) -> Result<(), ClientError> {
        self.session = None;
        let body = Zeroizing::new(
            serde_json::json!({
                "username": self.config.username,
                "password": self.config.password.as_str(),
            })
            .to_string(),
        );
        let reply = http::request(
            &self.endpoint,
            self.tls.as_ref(),
            "POST",
            "/authenticate",
            None,
            Some(body.as_bytes()),
        )
        .await?;
        match reply.status {
            200 => {}
            401 => return Err(ClientError::BadCredentials),
            429 => return Err(reply.rate_limited()),
            503 => {
                return Err(ClientError::Busy {
                    retry_after: reply.retry_after.unwrap_or(Duration::from_secs(1)),
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
        let renew_at = expiry(&login.token).map(|exp| {
            let left = exp.saturating_sub(unix_now());
            let margin = (left / 4).min(MAX_REFRESH_MARGIN);
            Instant::now() + left - margin
        });
        self.session = Some(Session {
            token: Zeroizing::new(login.token),
            user_id: login.user_id,
            renew_at,
        });
        Ok(())
    }

    /// The current session, logging in first when there is none or its token is about to expire.
    async fn fresh_session(&mut self) -> Result<&Session, ClientError> {
        let stale = match &self.session {
            None => true,
            Some(s) => s.renew_at.is_some_and(|at| Instant::now() >= at),
        };
        if stale {
            self.login().await?;
        }
        self.session
            .as_ref()
            .ok_or_else(|| ClientError::Protocol("login gave no session".into()))
    }

    /// Sends an authenticated request; on a 401 logs in again and retries once.
    async fn authed(&mut self, method: &str, path: &str) -> Result<Reply, ClientError> {
        for attempt in 0..2 {
            let token = Zeroizing::new(self.fresh_session().await?.token.as_str().to_owned());
            let reply = http::request(
                &self.endpoint,
                self.tls.as_ref(),
                method,
                path,
                Some(&token),
                None,
            )
            .await?;
            match reply.status {
                200 => return Ok(reply),
                401 if attempt == 0 => self.session = None,
                429 => return Err(reply.rate_limited()),
                _ => return Err(reply.unexpected(path)),
            }
        }
        Err(ClientError::Protocol(format!(
            "{path} refused a fresh token"
        )))
    }

    /// Fetches `GET /system`.
    pub async fn system(&mut self) -> Result<SystemSnapshot, ClientError> {
        let reply = self.authed("GET", "/system").await?;
        parse(&reply, "/system")
    }

    /// Fetches `GET /network`.
    pub async fn network(&mut self) -> Result<NetworkSnapshot, ClientError> {
        let reply = self.authed("GET", "/network").await?;
        parse(&reply, "/network")
    }

    /// The raw JSON body of an authenticated `GET path` (e.g. `/system`), checked to be JSON.
    pub async fn get_raw(&mut self, path: &str) -> Result<String, ClientError> {
        let reply = self.authed("GET", path).await?;
        let _: serde::de::IgnoredAny = parse(&reply, path)?;
        String::from_utf8(reply.body)
            .map_err(|_| ClientError::Protocol(format!("{path} sent a body that is not utf-8")))
    }

    /// Logs in if needed, creates a worker, opens its websocket and checks the greeting.
    pub async fn subscribe(&mut self) -> Result<Subscription, ClientError> {
        self.subscribe_with(false).await
    }

    /// Like [`Client::subscribe`]; `detailed` asks for the detailed stream (`detail=full`,
    /// read with [`Subscription::next_detailed`]).
    pub async fn subscribe_with(&mut self, detailed: bool) -> Result<Subscription, ClientError> {
        let reply = self.authed("POST", "/worker").await?;
        #[derive(serde::Deserialize)]
        struct Worker {
            id: String,
        }
        let worker: Worker = parse(&reply, "/worker")?;
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.user_id.clone())
            .unwrap_or_default();
        Subscription::open(
            &self.endpoint,
            self.tls.as_ref(),
            &worker.id,
            &user_id,
            detailed,
        )
        .await
    }
}

/// Parses a JSON body, naming the path on failure.
fn parse<T: DeserializeOwned>(reply: &Reply, path: &str) -> Result<T, ClientError> {
    serde_json::from_slice(&reply.body)
        .map_err(|e| ClientError::Protocol(format!("invalid body from {path}: {e}")))
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The `exp` claim of a JWT as time since the Unix epoch, read without verifying the signature.
pub fn expiry(token: &str) -> Option<Duration> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: u64,
    }
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    Some(Duration::from_secs(claims.exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_without_verifying() {
        let enc = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let token = format!(
            "{}.{}.sig",
            enc("{}"),
            enc(r#"{"sub":"u","exp":1700000000}"#)
        );
        assert_eq!(expiry(&token), Some(Duration::from_secs(1_700_000_000)));
        assert_eq!(expiry("garbage"), None);
        assert_eq!(expiry("a.!!!.c"), None);
        assert_eq!(expiry(&format!("a.{}.c", enc(r#"{"sub":"u"}"#))), None);
    }

    #[test]
    fn debug_hides_the_password() {
        let config = ClientConfig {
            server: "http://127.0.0.1:4500".into(),
            username: "PSMonitor".into(),
            password: Zeroizing::new("hunter2".into()),
            trust: ClientTrust::default(),
        };
        let client = Client::new(config.clone()).unwrap();
        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
    }
}
