//! HTTP for the load: keep-alive connections from psmonitor-client (so latency is the server's
//! answer, not TCP setup), the TCP connect the websockets use, and the shared login.

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_client::{Endpoint, HttpConnection, Reply, Stream, TlsClient};
use zeroize::Zeroizing;

use crate::LoadError;

/// Time allowed for connecting, or for one whole request and response.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// A token is renewed once older than this (tokens live 60 s by default).
const RENEW_AFTER: Duration = Duration::from_secs(30);

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

/// Opens a connection with `TCP_NODELAY`, TLS for an https server (for a websocket).
pub(crate) async fn connect(target: &Target) -> Result<Stream, LoadError> {
    within(IO_TIMEOUT, async {
        psmonitor_client::open_stream(&target.ep, target.tls.as_ref())
            .await
            .map_err(LoadError::Client)
    })
    .await
}

/// A keep-alive HTTP connection to the server; it connects on first use.
pub(crate) fn http_conn(target: &Target) -> HttpConnection {
    HttpConnection::with_tls(target.ep.clone(), target.tls.clone())
}

/// The error for an unexpected status on `path`, with the start of the body.
pub(crate) fn status_error(reply: &Reply, path: &'static str) -> LoadError {
    LoadError::Status {
        path,
        status: reply.status,
        body: String::from_utf8_lossy(&reply.body)
            .chars()
            .take(200)
            .collect(),
    }
}

/// A logged-in session.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub token: Zeroizing<String>,
    pub user_id: String,
    at: Instant,
}

/// Logs in on `conn` with `POST /authenticate`.
pub(crate) async fn login(
    conn: &mut HttpConnection,
    user: &str,
    password: &str,
) -> Result<Session, LoadError> {
    let body =
        Zeroizing::new(serde_json::json!({ "username": user, "password": password }).to_string());
    let res = conn
        .request("POST", "/authenticate", None, Some(body.as_bytes()))
        .await?;
    if res.status != 200 {
        return Err(status_error(&res, "/authenticate"));
    }
    #[derive(serde::Deserialize)]
    struct Login {
        token: String,
        user_id: String,
    }
    let login: Login = serde_json::from_slice(&res.body)
        .map_err(|e| LoadError::Protocol(format!("bad /authenticate body: {e}")))?;
    Ok(Session {
        token: Zeroizing::new(login.token),
        user_id: login.user_id,
        at: Instant::now(),
    })
}

/// One session shared by every task, renewed when old or refused.
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

    /// The current session, logging in first when there is none or it is old.
    pub(crate) async fn session(&self) -> Result<Session, LoadError> {
        let mut guard = self.session.lock().await;
        match guard.as_ref() {
            Some(s) if s.at.elapsed() < RENEW_AFTER => Ok(s.clone()),
            _ => {
                let mut conn = http_conn(&self.target);
                let fresh = login(&mut conn, &self.user, &self.password).await?;
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
