//! Shared harness: a real server on 127.0.0.1 port 0 replaying a fixture host, with a real
//! SQLite file in a temp dir (the pattern of `adapters/server/tests/common`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use psmonitor_client::{ClientConfig, WatchEvent};
use psmonitor_core::auth::{Account, Argon2Params};
use psmonitor_server::{ServerConfig, ServerHandle};
use zeroize::Zeroizing;

/// The password every in-process test server uses.
pub const PASSWORD: &str = "correct horse battery staple";
/// The fixture host the tests replay.
pub const HOST: &str = "vm-no-sensors";

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fixture host file by name.
pub fn host(name: &str) -> PathBuf {
    fixtures().join("hosts").join(format!("{name}.json"))
}

/// A golden body of a fixture host parsed as JSON.
pub fn golden(name: &str, file: &str) -> serde_json::Value {
    let path = fixtures().join("golden").join(name).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A running in-process server.
pub struct TestServer {
    pub handle: Option<ServerHandle>,
    pub addr: SocketAddr,
    pub account: Account,
    pub config: ServerConfig,
    pub dir: tempfile::TempDir,
}

/// Creates the account in a new SQLite file, as a first run would, with cheap argon2 parameters.
pub fn make_account(dir: &Path) -> Account {
    psmonitor_server::testing::create_test_account(dir, PASSWORD, Argon2Params::testing())
}

impl TestServer {
    /// Starts a server replaying [`HOST`] with a 200 ms interval.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Starts a server with the settings changed by `tweak`.
    pub fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let account = make_account(dir.path());
        let mut config = psmonitor_server::testing::test_config(dir.path());
        tweak(&mut config);
        let handle = spawn(&config, &account);
        let addr = handle.addr();
        config.port = addr.port();
        Self {
            handle: Some(handle),
            addr,
            account,
            config,
            dir,
        }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client configuration for this server with `password`.
    pub fn client_config(&self, password: &str) -> ClientConfig {
        ClientConfig {
            server: self.url(),
            username: "PSMonitor".into(),
            password: Zeroizing::new(password.to_owned()),
            trust: Default::default(),
        }
    }

    /// Stops the server (websockets get 1001) and waits for it.
    pub fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop().unwrap();
        }
    }

    /// Starts the server again on the same port with the same account and data dir.
    pub fn restart(&mut self) {
        self.stop();
        self.handle = Some(spawn(&self.config, &self.account));
    }
}

fn spawn(config: &ServerConfig, account: &Account) -> ServerHandle {
    psmonitor_server::testing::spawn_fixture(config.clone(), account.clone(), &host(HOST))
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = handle.stop();
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits for the next event, panicking after `limit`.
pub fn next_event(events: &async_channel::Receiver<WatchEvent>, limit: Duration) -> WatchEvent {
    let deadline = Instant::now() + limit;
    smol::block_on(async {
        futures_lite::future::or(async { Some(events.recv().await.ok()) }, async {
            smol::Timer::at(deadline).await;
            None
        })
        .await
    })
    .unwrap_or_else(|| panic!("no event within {limit:?}"))
    .expect("the watch ended")
}

/// Reads events until one matches `want`, panicking after `limit`; returns the skipped ones too.
pub fn until(
    events: &async_channel::Receiver<WatchEvent>,
    limit: Duration,
    want: impl Fn(&WatchEvent) -> bool,
) -> (WatchEvent, Vec<WatchEvent>) {
    let deadline = Instant::now() + limit;
    let mut skipped = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = next_event(events, left);
        if want(&event) {
            return (event, skipped);
        }
        skipped.push(event);
    }
}

/// Reads a request head (and skips any `Content-Length` body) from a fake server's connection;
/// returns the head.
pub fn read_head(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = stream.read_exact(&mut body);
    head
}
