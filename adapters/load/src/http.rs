//! HTTP for the load: keep-alive connections and the shared login, both from psmonitor-client
//! (so latency is the server's answer, not TCP setup, and the login is the client's own).

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_client::{Endpoint, HttpConnection, Session, TlsClient};
use zeroize::Zeroizing;

use crate::LoadError;

/// Time allowed for one whole request and response.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Races `fut` against a timer.
pub(crate) async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, LoadError>>,
) -> Result<T, LoadError> {
    futures_lite::future::or(fut, async move {
        smol::Timer::after(limit).await;
        Err(LoadError::Timeout(limit))
    })
    .await
}

/// The server: its address, and the TLS client when it speaks https.
#[derive(Debug)]
pub(crate) struct Target {
    /// Where it listens.
    pub ep: Endpoint,
    /// The TLS client for an `https://` server.
    pub tls: Option<TlsClient>,
}

impl Target {
    /// The server at `addr`, over TLS when `tls` is given.
    pub(crate) fn new(addr: SocketAddr, tls: Option<TlsClient>) -> Rc<Self> {
        let ep = Endpoint {
            host: addr.ip().to_string(),
            port: addr.port(),
            prefix: String::new(),
            tls: tls.is_some(),
        };
        Rc::new(Self { ep, tls })
    }
}

/// A keep-alive HTTP connection to the server; it connects on first use.
pub(crate) fn http_conn(target: &Target) -> HttpConnection {
    HttpConnection::with_tls(target.ep.clone(), target.tls.clone())
}

/// One session shared by every task, renewed when its token is about to expire or refused.
#[derive(Debug)]
pub(crate) struct Auth {
    target: Rc<Target>,
    user: String,
    password: Zeroizing<String>,
    session: smol::lock::Mutex<Option<Session>>,
}

impl Auth {
    /// Credentials for the server; nothing is sent yet.
    pub(crate) fn new(target: Rc<Target>, user: String, password: Zeroizing<String>) -> Self {
        Self {
            target,
            user,
            password,
            session: smol::lock::Mutex::new(None),
        }
    }

    /// The current session, logging in first when there is none or it is stale.
    pub(crate) async fn session(&self) -> Result<Session, LoadError> {
        let mut guard = self.session.lock().await;
        match guard.as_ref() {
            Some(s) if !s.is_stale(Instant::now()) => Ok(s.clone()),
            _ => {
                let mut conn = http_conn(&self.target);
                let fresh = psmonitor_client::login(&mut conn, &self.user, &self.password).await?;
                *guard = Some(fresh.clone());
                Ok(fresh)
            }
        }
    }

    /// Forgets the session after a 401, so the next call logs in again.
    pub(crate) async fn invalidate(&self) {
        *self.session.lock().await = None;
    }
}
