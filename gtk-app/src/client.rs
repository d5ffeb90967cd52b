//! The client side: the fixed `psmonitor-client` contract (ClientConfig, ClientError, WatchOptions,
//! WatchEvent, watch, Watch).
//!
//! INTERIM: `psmonitor-client` is being written on the `client` branch. Until it is merged, this
//! file is a small blocking stand-in with exactly that API (ureq for HTTP, tungstenite for the
//! websocket, one thread per watch), so the app and its tests run end to end. Once the crate
//! lands, this whole file becomes `pub use psmonitor_client::{...};` and nothing else changes.

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};
use zeroize::Zeroizing;

/// Where and as whom to connect.
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:4500`.
    pub server: String,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientConfig({} as {})", self.server, self.username)
    }
}

/// Why a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused the username or password.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed logins from this address.
    #[error("too many failed logins, retry in {}s", retry_after.as_secs())]
    RateLimited {
        /// How long the server asks us to wait.
        retry_after: Duration,
    },
    /// No answer or no connection.
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The server answered something a PSMonitor server would not.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

/// How a watch behaves.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// How often to fetch `/network`; `None` never.
    pub network_every: Option<Duration>,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            network_every: Some(Duration::from_secs(1)),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What a watch reports.
#[derive(Debug)]
pub enum WatchEvent {
    /// Logged in and streaming.
    Connected,
    /// The full system snapshot, once per connection.
    System(Box<SystemSnapshot>),
    /// One stream frame.
    Frame(Box<StreamFrame>),
    /// A network snapshot.
    Network(Box<NetworkSnapshot>),
    /// The connection failed; the watch retries after `retry_in`.
    Disconnected {
        /// Why.
        error: ClientError,
        /// When the next attempt starts.
        retry_in: Duration,
    },
    /// The watch gave up (e.g. refused login); no more events follow.
    Stopped(ClientError),
}

/// A running watch; stops when dropped.
#[derive(Debug)]
pub struct Watch {
    /// The events, latest wins when the reader is slow.
    pub events: async_channel::Receiver<WatchEvent>,
    stop: Arc<AtomicBool>,
}

impl Watch {
    /// Stops the watch.
    pub fn stop(self) {}
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts watching `config.server` on a background thread.
pub fn watch(config: ClientConfig, options: WatchOptions) -> Watch {
    let (tx, events) = async_channel::bounded(64);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("psmonitor-watch".into())
        .spawn(move || run(&config, &options, &tx, &flag));
    if let Err(e) = spawned {
        let (tx, rx) = async_channel::bounded(1);
        let _ = tx.try_send(WatchEvent::Stopped(ClientError::Unreachable(e.to_string())));
        return Watch { events: rx, stop };
    }
    Watch { events, stop }
}

type Tx = async_channel::Sender<WatchEvent>;

fn run(config: &ClientConfig, options: &WatchOptions, tx: &Tx, stop: &AtomicBool) {
    let mut backoff = Duration::from_millis(500);
    while !stop.load(Ordering::SeqCst) {
        let error = match session(config, options, tx, stop) {
            Ok(()) => return,
            Err(ClientError::BadCredentials) => {
                let _ = tx.force_send(WatchEvent::Stopped(ClientError::BadCredentials));
                return;
            }
            Err(e) => e,
        };
        let retry_in = match &error {
            ClientError::RateLimited { retry_after } => *retry_after,
            _ => backoff,
        };
        backoff = (backoff * 2).min(options.max_backoff);
        if tx
            .force_send(WatchEvent::Disconnected { error, retry_in })
            .is_err()
        {
            return;
        }
        let until = Instant::now() + retry_in;
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(server: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Self {
            agent,
            base: server.trim_end_matches('/').to_owned(),
        }
    }

    fn login(&self, config: &ClientConfig) -> Result<(String, String), ClientError> {
        let body =
            serde_json::json!({"username": config.username, "password": config.password.as_str()});
        let mut res = self
            .agent
            .post(format!("{}/authenticate", self.base))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        match res.status().as_u16() {
            200 => {}
            401 => return Err(ClientError::BadCredentials),
            429 => {
                let secs = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(5);
                return Err(ClientError::RateLimited {
                    retry_after: Duration::from_secs(secs),
                });
            }
            s => return Err(ClientError::Protocol(format!("login answered {s}"))),
        }
        let v: serde_json::Value = res
            .body_mut()
            .read_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        match (v["token"].as_str(), v["user_id"].as_str()) {
            (Some(t), Some(u)) => Ok((t.to_owned(), u.to_owned())),
            _ => Err(ClientError::Protocol("login answer without token".into())),
        }
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, ClientError> {
        let mut res = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if res.status().as_u16() != 200 {
            return Err(ClientError::Protocol(format!(
                "{path} answered {}",
                res.status()
            )));
        }
        res.body_mut()
            .read_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))
    }

    fn worker(&self, token: &str) -> Result<String, ClientError> {
        let mut res = self
            .agent
            .post(format!("{}/worker", self.base))
            .header("Authorization", format!("Bearer {token}"))
            .send(&[][..])
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if res.status().as_u16() != 200 {
            return Err(ClientError::Protocol(format!(
                "worker answered {}",
                res.status()
            )));
        }
        let v: serde_json::Value = res
            .body_mut()
            .read_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        v["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Protocol("worker answer without id".into()))
    }
}

fn session(
    config: &ClientConfig,
    options: &WatchOptions,
    tx: &Tx,
    stop: &AtomicBool,
) -> Result<(), ClientError> {
    let http = Http::new(&config.server);
    let (mut token, user_id) = http.login(config)?;
    let system: SystemSnapshot = http.get("/system", &token)?;
    let id = http.worker(&token)?;
    let hostport = http
        .base
        .split_once("://")
        .map_or(http.base.as_str(), |(_, rest)| rest)
        .to_owned();
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| ClientError::Unreachable(e.to_string()))?
        .next()
        .ok_or_else(|| ClientError::Unreachable(format!("no address for {hostport}")))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| ClientError::Unreachable(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| ClientError::Unreachable(e.to_string()))?;
    let url = format!("ws://{hostport}/connect?id={id}&subscriber={user_id}");
    let (mut ws, _) =
        tungstenite::client(url, stream).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let _ = tx.force_send(WatchEvent::Connected);
    let _ = tx.force_send(WatchEvent::System(Box::new(system)));
    let mut next_network = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) || tx.is_closed() {
            let _ = ws.close(None);
            return Ok(());
        }
        if let Some(every) = options.network_every
            && Instant::now() >= next_network
        {
            next_network = Instant::now() + every;
            let net = match http.get::<NetworkSnapshot>("/network", &token) {
                Ok(net) => net,
                Err(ClientError::Protocol(_)) => {
                    token = http.login(config)?.0;
                    http.get("/network", &token)?
                }
                Err(e) => return Err(e),
            };
            let _ = tx.force_send(WatchEvent::Network(Box::new(net)));
        }
        match ws.read() {
            Ok(tungstenite::Message::Text(text)) => {
                if let Ok(frame) = serde_json::from_str::<StreamFrame>(&text) {
                    let _ = tx.force_send(WatchEvent::Frame(Box::new(frame)));
                }
            }
            Ok(tungstenite::Message::Close(frame)) => {
                let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                return Err(ClientError::Unreachable(format!(
                    "server closed the stream {reason}"
                )));
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(ClientError::Unreachable(e.to_string())),
        }
    }
}
