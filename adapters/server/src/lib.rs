//! PSMonitor's headless server: an HTTP/1 and websocket adapter on smol driving the sans-IO core.
//!
//! [`serve`] runs a server on the current thread until a stop future resolves; [`spawn`] runs
//! one on a background thread (the GTK app and the tests use it). The HTTP/1 framing lives in the
//! core (`psmonitor_core::http1`); this crate moves bytes, keeps time and enforces the limits.
#![forbid(unsafe_code)]

pub mod account;
pub mod config;
mod conn;
mod db_watch;
mod driver;
mod effects;
pub mod gated;
mod limits;
pub mod listen;
mod listener;
pub mod logging;
pub mod memory_budget;
mod observe;
mod outbox;
#[cfg(feature = "testing")]
pub mod testing;
mod websocket;
mod ws_io;

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use async_executor::Executor;
use futures_lite::FutureExt;
use psmonitor_collector::Sampler;
use psmonitor_core::auth::Account;
use psmonitor_core::http1::{ConnConfig, Limits};
use psmonitor_core::hub::{Hub, HubConfig};
use psmonitor_tls::{CertError, CertSource, ServerTls, self_signed_names};

pub use config::ServerConfig;

use crate::conn::ConnShared;
use crate::driver::{HubMsg, Ids};
use crate::limits::ConnLimits;

/// How long shutdown waits for websockets to send their close frames.
const CLOSE_GRACE: Duration = Duration::from_millis(1500);
/// Messages that may wait for the hub task before connection tasks wait too. The channel
/// allocates and writes every slot at start, so this is resident memory from the first second:
/// 16,384 slots were 1.2 MB of the idle server's RSS; 1,024 are 72 KB and still hold a burst of
/// a thousand requests while the hub, which spends microseconds on each, catches up.
const HUB_QUEUE: usize = 1024;
/// HTTP connections one client address may hold open (still sending a request, or idle
/// between requests); websockets are capped by the hub instead.
pub const MAX_HTTP_CONNECTIONS_PER_ADDRESS: usize = 64;

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
    /// The TLS certificate could not be loaded or made.
    #[error(transparent)]
    Tls(#[from] CertError),
    /// The server thread panicked.
    #[error("the server thread stopped unexpectedly")]
    Panicked,
}

/// The hub settings that follow from a server configuration.
pub fn hub_config(config: &ServerConfig) -> HubConfig {
    HubConfig {
        interval: config.interval,
        token_ttl: config.token_ttl,
        session_lifetime: config.session_lifetime,
        max_connections: config.max_connections,
        verify_slots: effects::verifier_threads(),
        history: config.history,
        metrics_public: config.metrics_public,
        cors_origins: config.cors_origins.clone(),
        ..HubConfig::default()
    }
}

/// The HTTP/1 rules that follow from a server configuration: one body cap, the hub's.
pub fn http1_config(config: &ServerConfig) -> ConnConfig {
    let limits = Limits {
        max_body: hub_config(config).max_body_bytes,
        ..Limits::default()
    };
    ConnConfig {
        silence_limit: config.silence_limit,
        ..ConnConfig::new(limits, config.header_timeout)
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
///
/// Runs its own executor on the calling thread and on up to three more.
///
/// `tls` (see [`load_tls`]) makes it speak HTTPS; without it, plain HTTP.
pub async fn serve(
    listener: TcpListener,
    config: &ServerConfig,
    account: Account,
    sampler: Box<dyn Sampler>,
    tls: Option<Arc<ServerTls>>,
    stop: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    serve_all(vec![listener], config, account, sampler, tls, stop).await
}

/// [`serve`] on several listeners at once (every address of a host name, see
/// [`listen::bind_all`]), with one hub, one sampler and one set of limits.
pub async fn serve_all(
    listeners: Vec<TcpListener>,
    config: &ServerConfig,
    account: Account,
    sampler: Box<dyn Sampler>,
    tls: Option<Arc<ServerTls>>,
    stop: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    let executor = Arc::new(Executor::new());
    let (done, finished) = async_channel::bounded::<()>(1);
    let extra = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        - 1;
    let mut threads = Vec::with_capacity(extra);
    for i in 0..extra {
        let executor = executor.clone();
        let finished = finished.clone();
        threads.push(
            thread::Builder::new()
                .name(format!("psmonitor-io-{i}"))
                .spawn(move || {
                    futures_lite::future::block_on(executor.run(async {
                        let _ = finished.recv().await;
                    }));
                })?,
        );
    }
    let result = executor
        .run(run(
            listeners,
            config,
            account,
            sampler,
            tls,
            stop,
            executor.clone(),
        ))
        .await;
    drop(done);
    for handle in threads {
        let _ = handle.join();
    }
    result
}

async fn run(
    listeners: Vec<TcpListener>,
    config: &ServerConfig,
    account: Account,
    sampler: Box<dyn Sampler>,
    tls: Option<Arc<ServerTls>>,
    stop: impl Future<Output = ()>,
    executor: Arc<Executor<'static>>,
) -> Result<(), ServerError> {
    for listener in &listeners {
        listen::deepen_backlog(listener);
    }
    let nofile = limits::raise_nofile_limit();
    let memory = memory_budget::MemoryBudget::detect(config.memory_budget, tls.is_some());
    tracing::info!(budget = ?memory, connections = memory.connections(), "memory for connections");
    let conn_limits = ConnLimits::for_nofile(
        MAX_HTTP_CONNECTIONS_PER_ADDRESS,
        nofile,
        memory.connections(),
    );
    let reserved = limits::reserved_fds(nofile);
    if config.max_connections.saturating_add(reserved) > nofile {
        tracing::warn!(
            nofile,
            max_connections = config.max_connections,
            "the open-file limit is below --max-connections: raise it (LimitNOFILE=) or lower --max-connections"
        );
    }
    let (hub_tx, hub_rx) = async_channel::bounded(HUB_QUEUE);
    // The tokens are read before the first request, so a valid token is never refused at start.
    let tokens = psmonitor_store::Store::open(&config.data_dir)
        .map_err(|e| tracing::error!("cannot open the store to read api tokens: {e}"))
        .ok()
        .and_then(|store| db_watch::load_tokens(&store))
        .unwrap_or_default();
    let watch = db_watch::start(
        &config.data_dir,
        account.clone(),
        tokens.clone(),
        hub_tx.clone(),
    )?;
    let observe = observe::Observe::start(config, watch.toucher(), hub_tx.clone());
    let effects = effects::Effects::start(sampler, hub_tx.clone(), observe)?;
    let mut hub = Hub::new(hub_config(config), account, random_seed()?, driver::now());
    hub.handle_input(
        driver::now(),
        psmonitor_core::hub::Input::TokensChanged(tokens),
    );
    let (driver, cell) = driver::spawn(hub, hub_rx, effects)?;
    let (live, all_closed) = async_channel::bounded::<()>(1);
    let shared = ConnShared {
        hub: hub_tx.clone(),
        cell: Some(cell),
        ids: Arc::new(Ids::default()),
        http: http1_config(config),
        live: live.downgrade(),
        tls: tls.is_some(),
        executor: executor.clone(),
    };
    let accept = async {
        // One accept loop per address; dropping this future (on stop) cancels them all.
        let loops: Vec<_> = listeners
            .into_iter()
            .map(|listener| {
                let accepting = listener::accept_loop(
                    listener,
                    shared.clone(),
                    conn_limits.clone(),
                    executor.clone(),
                    tls.clone(),
                );
                executor.spawn(async move {
                    if let Err(e) = accepting.await {
                        tracing::error!("listener failed: {e}");
                    }
                })
            })
            .collect();
        for accepting in loops {
            accepting.await;
        }
    };
    accept.or(stop).await;
    tracing::info!("shutting down");
    let _ = hub_tx
        .send(HubMsg::input(psmonitor_core::hub::Input::Shutdown))
        .await;
    driver.finished().await;
    drop(live);
    // Resolves when the last websocket drops its copy of the sender.
    let closed = async {
        let _ = all_closed.recv().await;
    };
    closed
        .or(async {
            async_io::Timer::after(CLOSE_GRACE).await;
        })
        .await;
    Ok(())
}

/// The TLS configuration a server with `config` needs: `None` when it speaks plain HTTP, else
/// the operator's certificate or the data directory's self-signed one (made on first use).
pub fn load_tls(config: &ServerConfig) -> Result<Option<Arc<ServerTls>>, CertError> {
    if !config.tls_enabled() {
        return Ok(None);
    }
    let source = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => CertSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => CertSource::SelfSigned {
            data_dir: config.data_dir.clone(),
            names: self_signed_names(&config.addresses()),
        },
    };
    Ok(Some(Arc::new(ServerTls::load(source)?)))
}

/// A server running on its own thread.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    tls: Option<Arc<ServerTls>>,
    stop: async_channel::Sender<()>,
    thread: JoinHandle<Result<(), ServerError>>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its TLS configuration (certificate fingerprint, reload), if it speaks HTTPS.
    pub fn tls(&self) -> Option<&Arc<ServerTls>> {
        self.tls.as_ref()
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
    let tls = load_tls(&config)?;
    let listener = bind(&config)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let server_tls = tls.clone();
    let thread = std::thread::Builder::new()
        .name("psmonitor-server".into())
        .spawn(move || {
            let stop = async move {
                let _ = stopped.recv().await;
            };
            futures_lite::future::block_on(serve(listener, &config, account, sampler, tls, stop))
        })?;
    Ok(ServerHandle {
        addr,
        tls: server_tls,
        stop,
        thread,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 23's 8 MiB RSS budget: the hub queue's preallocated slots stay within 128 KiB.
    #[test]
    fn the_hub_queue_preallocates_little() {
        let bytes = HUB_QUEUE * (std::mem::size_of::<HubMsg>() + std::mem::size_of::<usize>());
        assert!(bytes <= 128 * 1024, "{bytes} bytes");
    }
}
