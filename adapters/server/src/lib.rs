//! PSMonitor's headless server: a tide HTTP and websocket adapter driving the sans-IO core.
//!
//! [`serve`] runs a server on the current async task until a stop future resolves; [`spawn`]
//! runs one on a background thread (the GTK app and the tests use it). No tide or http-types
//! type appears in this API, so replacing tide stays a change to this crate alone.
#![forbid(unsafe_code)]

pub mod account;
pub mod config;
mod driver;
mod effects;
mod http;
mod listener;
pub mod logging;
mod observe;
pub mod testing;
mod websocket;

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use psmonitor_collector::Sampler;
use psmonitor_core::auth::Account;
use psmonitor_core::hub::{Hub, HubConfig};

pub use config::ServerConfig;

use crate::driver::{HubMsg, Ids};

/// How long shutdown waits for websockets to send their close frames.
const CLOSE_GRACE: Duration = Duration::from_millis(1500);
/// Messages that may wait for the hub task before connection tasks wait too.
const HUB_QUEUE: usize = 16 * 1024;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound (in use, or not ours).
    #[error("cannot listen on {addr}: {source} (is another server running? pick another --port)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The OS refused a thread or the random source.
    #[error("cannot start the server: {0}")]
    Start(#[from] std::io::Error),
    /// The OS random source failed.
    #[error("cannot read the OS random source: {0}")]
    Random(String),
    /// The server thread panicked.
    #[error("the server thread stopped unexpectedly")]
    Panicked,
}

/// The hub settings that follow from a server configuration.
pub fn hub_config(config: &ServerConfig) -> HubConfig {
    HubConfig {
        interval: config.interval,
        token_ttl: config.token_ttl,
        max_connections: config.max_connections,
        history: config.history,
        metrics_public: config.metrics_public,
        ..HubConfig::default()
    }
}

/// Binds the configured address; port 0 picks a free port.
pub fn bind(config: &ServerConfig) -> Result<TcpListener, ServerError> {
    let addr = SocketAddr::new(config.address, config.port);
    TcpListener::bind(addr).map_err(|source| ServerError::Bind { addr, source })
}

/// 32 bytes from the OS random source.
pub fn random_seed() -> Result<[u8; 32], ServerError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(seed)
}

/// Serves on `listener` until `stop` resolves, then closes every websocket with 1001 and returns.
pub async fn serve(
    listener: TcpListener,
    config: &ServerConfig,
    account: Account,
    sampler: Box<dyn Sampler>,
    stop: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    let (hub_tx, hub_rx) = async_channel::bounded(HUB_QUEUE);
    // The tokens are read before the first request, so a valid token is never refused at start.
    let tokens = psmonitor_store::Store::open(&config.data_dir)
        .map_err(|e| tracing::error!("cannot open the store to read api tokens: {e}"))
        .ok()
        .and_then(|store| observe::load_tokens(&store))
        .unwrap_or_default();
    let observe = observe::Observe::start(config, tokens.clone(), hub_tx.clone())?;
    let effects = effects::Effects::start(sampler, hub_tx.clone(), observe)?;
    let mut hub = Hub::new(hub_config(config), account, random_seed()?, driver::now());
    hub.handle_input(
        driver::now(),
        psmonitor_core::hub::Input::TokensChanged(tokens),
    );
    let driver = async_std::task::spawn(driver::run(hub, hub_rx, effects));
    let live = Arc::new(AtomicUsize::new(0));
    let state = http::AppState {
        hub: hub_tx.clone(),
        ids: Arc::new(Ids::default()),
        max_body_bytes: HubConfig::default().max_body_bytes,
        live: live.clone(),
    };
    let app = http::app(state);
    let accept = async {
        if let Err(e) = listener::accept_loop(listener, app).await {
            tracing::error!("listener failed: {e}");
        }
    };
    accept.or(stop).await;
    tracing::info!("shutting down");
    let _ = hub_tx.send(HubMsg::Shutdown).await;
    driver.await;
    let deadline = Instant::now() + CLOSE_GRACE;
    while live.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        async_io::Timer::after(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// A server running on its own thread.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: async_channel::Sender<()>,
    thread: JoinHandle<Result<(), ServerError>>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every websocket with 1001 and waits for the thread to end.
    pub fn stop(self) -> Result<(), ServerError> {
        let _ = self.stop.try_send(());
        self.thread.join().map_err(|_| ServerError::Panicked)?
    }
}

/// Binds the configured address and serves on a background thread until stopped.
pub fn spawn(
    config: ServerConfig,
    account: Account,
    sampler: Box<dyn Sampler>,
) -> Result<ServerHandle, ServerError> {
    let listener = bind(&config)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let thread = std::thread::Builder::new()
        .name("psmonitor-server".into())
        .spawn(move || {
            async_std::task::block_on(serve(listener, &config, account, sampler, async move {
                let _ = stopped.recv().await;
            }))
        })?;
    Ok(ServerHandle { addr, stop, thread })
}
