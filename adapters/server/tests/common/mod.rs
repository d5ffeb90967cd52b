//! Shared harness: a real server on 127.0.0.1 port 0 with a real SQLite file in a temp dir,
//! driven by a real HTTP client (ureq) and a real websocket client (tungstenite).
#![allow(dead_code)]

pub mod binary;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use psmonitor_collector::{FixtureSampler, Sampler};
use psmonitor_core::auth::{Account, Argon2Params};
use psmonitor_server::{ServerConfig, ServerHandle};
use serde_json::Value;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// The password every in-process test server uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fixture host file by name, e.g. `vm-no-sensors`.
pub fn host(name: &str) -> PathBuf {
    fixtures().join("hosts").join(format!("{name}.json"))
}

/// A golden output of a fixture host, e.g. `golden("vm-no-sensors", "frame.json")`.
pub fn golden(name: &str, file: &str) -> String {
    let path = fixtures().join("golden").join(name).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A running in-process server and what a client needs to reach it.
pub struct TestServer {
    pub handle: Option<ServerHandle>,
    pub addr: SocketAddr,
    pub account: Account,
    pub dir: tempfile::TempDir,
    pub http: ureq::Agent,
}

/// Test settings: fast interval, port 0, a fresh data dir.
pub fn config(dir: &Path) -> ServerConfig {
    psmonitor_server::testing::test_config(dir)
}

/// Creates the account in a new SQLite file, as a first run would, with cheap argon2 parameters.
pub fn make_account(dir: &Path) -> Account {
    make_account_with(dir, Argon2Params::testing())
}

/// Creates the account in a new SQLite file with the given argon2 parameters.
pub fn make_account_with(dir: &Path, params: Argon2Params) -> Account {
    psmonitor_server::testing::create_test_account(dir, PASSWORD, params)
}

impl TestServer {
    /// Starts a server replaying the fixture host `name`.
    pub fn start(name: &str) -> Self {
        Self::start_with(name, |_| {})
    }

    /// Starts a server replaying `name` with the settings changed by `tweak`.
    pub fn start_with(name: &str, tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let sampler = FixtureSampler::from_file(host(name)).unwrap();
        Self::start_sampler(Box::new(sampler), Argon2Params::testing(), tweak)
    }

    /// Starts a server on any sampler, with the account hashed with `params`.
    pub fn start_sampler(
        sampler: Box<dyn Sampler>,
        params: Argon2Params,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let account = make_account_with(dir.path(), params);
        let mut cfg = config(dir.path());
        tweak(&mut cfg);
        let handle = psmonitor_server::spawn(cfg, account.clone(), sampler).unwrap();
        let addr = handle.addr();
        Self {
            handle: Some(handle),
            addr,
            account,
            dir,
            http: agent(),
        }
    }

    /// `http://ADDR` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs raw bytes; returns status, headers and body.
    pub fn post_raw(&self, path: &str, auth: Option<&str>, body: &[u8]) -> Reply {
        let mut req = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json");
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        Reply::from(req.send(body).unwrap())
    }

    /// GETs a path with an optional raw `Authorization` header.
    pub fn get(&self, path: &str, auth: Option<&str>) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        Reply::from(req.call().unwrap())
    }

    /// Logs in with `password`.
    pub fn login_with(&self, password: &str) -> Reply {
        let body = serde_json::json!({"username": "PSMonitor", "password": password});
        self.post_raw("/authenticate", None, body.to_string().as_bytes())
    }

    /// Logs in with the right password and returns `Bearer <token>`.
    pub fn bearer(&self) -> String {
        let reply = self.login_with(PASSWORD);
        assert_eq!(reply.status, 200, "{}", reply.body);
        format!("Bearer {}", reply.json()["token"].as_str().unwrap())
    }

    /// Creates a worker and returns its JSON.
    pub fn worker(&self, bearer: &str) -> Value {
        let reply = self.post_raw("/worker", Some(bearer), b"");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    /// Opens `/connect` with the raw query `query`.
    pub fn connect(&self, query: &str) -> Ws {
        let url = format!("ws://{}/connect?{query}", self.addr);
        let (ws, _) = tungstenite::connect(url).unwrap();
        set_timeout(&ws, Duration::from_secs(10));
        ws
    }

    /// Logs in, creates a worker and opens its websocket.
    pub fn subscribe(&self) -> Ws {
        let worker = self.worker(&self.bearer());
        let query = format!(
            "id={}&subscriber={}",
            worker["id"].as_str().unwrap(),
            self.account.user_id
        );
        self.connect(&query)
    }

    /// Stops the server (websockets get 1001) and waits for it.
    pub fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = handle.stop();
        }
    }
}

/// A blocking websocket client.
pub type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

pub fn set_timeout(ws: &Ws, timeout: Duration) {
    if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
        stream.set_read_timeout(Some(timeout)).unwrap();
    }
}

/// The next text frame, panicking on anything else.
pub fn next_text(ws: &mut Ws) -> String {
    loop {
        match ws.read().unwrap() {
            Message::Text(text) => return text.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Reads until the close frame and returns its code and reason.
pub fn close_of(ws: &mut Ws) -> (u16, String) {
    loop {
        match ws.read() {
            Ok(Message::Close(Some(frame))) => {
                return (frame.code.into(), frame.reason.to_string());
            }
            Ok(Message::Close(None)) => return (1005, String::new()),
            Ok(_) => continue,
            Err(e) => panic!("connection ended without a close frame: {e}"),
        }
    }
}

/// An HTTP agent that reports 4xx/5xx as replies, not errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Status, headers and body of one HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

impl Reply {
    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The `error` message of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

impl From<ureq::http::Response<ureq::Body>> for Reply {
    fn from(mut res: ureq::http::Response<ureq::Body>) -> Self {
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after");
        let content_type = header("content-type");
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_string().unwrap_or_default();
        Self {
            status,
            retry_after,
            content_type,
            body,
        }
    }
}

/// The first message: `Ok(text)` for a text frame, `Err((code, reason))` for a close.
pub fn first_message(ws: &mut Ws) -> Result<String, (u16, String)> {
    loop {
        match ws.read() {
            Ok(Message::Text(text)) => return Ok(text.to_string()),
            Ok(Message::Close(Some(frame))) => {
                return Err((frame.code.into(), frame.reason.to_string()));
            }
            Ok(Message::Close(None)) => return Err((1005, String::new())),
            Ok(_) => continue,
            Err(e) => return Err((0, e.to_string())),
        }
    }
}

/// Sends `bytes` on a new TCP connection and reads until the server closes it (or 5 s pass);
/// returns everything read and whether the server closed the connection.
pub fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> (String, bool) {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    let closed = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

/// The status codes of every response in `text`, in order.
pub fn statuses(text: &str) -> Vec<u16> {
    text.match_indices("HTTP/1.")
        .filter(|(at, _)| *at == 0 || text[..*at].ends_with('\n') || text[..*at].ends_with('}'))
        .filter_map(|(at, _)| text[at + 9..at + 12].parse().ok())
        .collect()
}

/// The JSON body of a single response in `text`.
pub fn body_json(text: &str) -> Value {
    let (_, body) = text.split_once("\r\n\r\n").expect("a response head");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"))
}

/// A TCP connection to `to` from the local address `from` (127.0.0.2 and the like stand in
/// for other hosts).
pub fn connect_from(from: std::net::IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    use rustix::net::{AddressFamily, SocketType, bind, connect, socket};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None)?;
    bind(&fd, &SocketAddr::new(from, 0))?;
    connect(&fd, &to)?;
    Ok(TcpStream::from(fd))
}
