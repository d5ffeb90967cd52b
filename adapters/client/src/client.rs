//! [`Client`]: logs in, keeps its token fresh, fetches snapshots and opens subscriptions.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use psmonitor_core::wire::{NetworkSnapshot, SystemSnapshot};
use psmonitor_tls::{ClientTrust, TlsClient};
use zeroize::Zeroizing;

use crate::error::ClientError;
use crate::http::{self, HttpConnection, Reply};
use crate::session::{self, Session, parse};
use crate::subscription::{Subscription, SubscriptionOptions};
use crate::url::Endpoint;

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

/// Makes a session without a password, wherever the client would log in: a program that shares
/// the server's store signs its own token (the desktop app watching its embedded server).
pub type MintSession = Arc<dyn Fn() -> Result<Session, ClientError> + Send + Sync>;

/// A connection to one server as one user; logs in again before its token expires and once on a 401.
pub struct Client {
    config: ClientConfig,
    endpoint: Endpoint,
    tls: Option<TlsClient>,
    session: Option<Session>,
    mint: Option<MintSession>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("logged_in", &self.session.is_some())
            .field("minted", &self.mint.is_some())
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
            mint: None,
        })
    }

    /// A client for `config` whose sessions come from `mint` instead of `POST /authenticate`
    /// (the password in `config` is not used).
    pub fn with_mint(config: ClientConfig, mint: MintSession) -> Result<Client, ClientError> {
        let mut client = Client::new(config)?;
        client.mint = Some(mint);
        Ok(client)
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
        if let Some(mint) = &self.mint {
            self.session = Some(mint()?);
            return Ok(());
        }
        let session = session::login(
            &mut self.connection(),
            &self.config.username,
            &self.config.password,
        )
        .await?;
        self.session = Some(session);
        Ok(())
    }

    /// The current session, logging in first when there is none or its token is about to expire.
    async fn fresh_session(&mut self) -> Result<&Session, ClientError> {
        let stale = match &self.session {
            None => true,
            Some(s) => s.is_stale(Instant::now()),
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
            .map_err(|_| ClientError::invalid_body(format!("body from {path}"), "not utf-8"))
    }

    /// Logs in if needed, creates a worker, opens its websocket and checks the greeting.
    pub async fn subscribe(&mut self) -> Result<Subscription, ClientError> {
        self.subscribe_with(false).await
    }

    /// Like [`Client::subscribe`]; `detailed` asks for the detailed stream (`detail=full`,
    /// read with [`Subscription::next_detailed`]).
    pub async fn subscribe_with(&mut self, detailed: bool) -> Result<Subscription, ClientError> {
        let reply = self.authed("POST", "/worker").await?;
        let worker = session::worker_id(&reply)?;
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.user_id.clone())
            .unwrap_or_default();
        Subscription::connect(
            &self.endpoint,
            self.tls.as_ref(),
            &worker,
            &user_id,
            &SubscriptionOptions {
                detailed,
                ..SubscriptionOptions::default()
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
