//! [`watch`]: a reconnecting subscription on its own thread, reporting [`WatchEvent`]s.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use psmonitor_core::history::HistoryData;
use psmonitor_core::wire::{DetailedFrame, NetworkSnapshot, StreamFrame, SystemSnapshot};

use crate::backoff::Backoff;
use crate::client::{Client, ClientConfig, MintSession};
use crate::error::ClientError;
use crate::subscription::DEFAULT_IDLE_TIMEOUT;

/// Capacity of the events channel. When it is full, a new frame or network snapshot is dropped
/// (the next one supersedes it); every other event waits for room, so none is ever lost.
pub const EVENT_BOUND: usize = 32;
/// Longest [`Watch::stop`] waits for the thread.
const STOP_WAIT: Duration = Duration::from_secs(1);

/// How a watch polls and retries.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// Also poll `/network` this often; `None` never does.
    pub network_every: Option<Duration>,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// On every (re)connection, fetch this much of the graphable history from `/history` and
    /// report it as [`WatchEvent::History`]; `None` (the default) never does. A server without
    /// history (404) or an error there costs nothing but the request.
    pub history: Option<Duration>,
    /// Time without a stream frame after which the stream counts as lost and the watch
    /// reconnects ([`DEFAULT_IDLE_TIMEOUT`] by default; the server sends one every interval).
    pub idle_timeout: Duration,
    /// Subscribe to the detailed stream (`detail=full`, DESIGN 5.7): frames arrive as
    /// [`WatchEvent::Detail`] instead of [`WatchEvent::Frame`]. Off by default.
    pub detail: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            network_every: Some(Duration::from_secs(1)),
            max_backoff: Duration::from_secs(30),
            history: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            detail: false,
        }
    }
}

/// What a watch reports.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// The stream was (re)established.
    Connected,
    /// The system snapshot, fetched once per (re)connection.
    System(Box<SystemSnapshot>),
    /// One stream frame.
    Frame(Box<StreamFrame>),
    /// One frame of the detailed stream (see [`WatchOptions::detail`]).
    Detail(Box<DetailedFrame>),
    /// The network snapshot, every `network_every`.
    Network(Box<NetworkSnapshot>),
    /// What the server recorded before this connection (see [`WatchOptions::history`]):
    /// `cpu.usage`, `cpu.temp`, `mem.percent` and the per-interface network rates it has.
    History(Box<HistoryData>),
    /// The connection failed or was lost; the watch tries again after `retry_in` (the back-off,
    /// or the server's `Retry-After` when rate limited and longer).
    Disconnected {
        /// What went wrong.
        error: ClientError,
        /// When the next attempt starts.
        retry_in: Duration,
    },
    /// A fatal error (bad credentials, invalid URL): no more events follow.
    Stopped(ClientError),
}

/// A running watch; stops when [`Watch::stop`] is called or it is dropped.
#[derive(Debug)]
pub struct Watch {
    /// The events, oldest first; bounded by [`EVENT_BOUND`].
    pub events: async_channel::Receiver<WatchEvent>,
    stop: async_channel::Sender<()>,
    done: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Watch {
    /// Stops the watch and waits up to about a second for its thread.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.close();
        if let Some(thread) = self.thread.take()
            && self.done.recv_timeout(STOP_WAIT).is_ok()
        {
            let _ = thread.join();
        }
    }
}

/// Runs a reconnecting watch on its own thread (`smol::block_on`); events arrive on `events`.
pub fn watch(config: ClientConfig, options: WatchOptions) -> Watch {
    spawn_watch(Client::new(config), options)
}

/// Like [`watch`], with every session made by `mint` instead of a password login (a program
/// that shares the server's store, such as the desktop app watching its embedded server).
pub fn watch_minted(config: ClientConfig, options: WatchOptions, mint: MintSession) -> Watch {
    spawn_watch(Client::with_mint(config, mint), options)
}

fn spawn_watch(client: Result<Client, ClientError>, options: WatchOptions) -> Watch {
    let (tx, events) = async_channel::bounded(EVENT_BOUND);
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let (done_tx, done) = mpsc::channel();
    let thread_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("psmonitor-watch".into())
        .spawn(move || {
            smol::block_on(run(client, options, thread_tx).or(async move {
                let _ = stopped.recv().await;
            }));
            let _ = done_tx.send(());
        });
    let thread = match spawned {
        Ok(thread) => Some(thread),
        Err(e) => {
            let error = ClientError::Protocol(format!("cannot start the watch thread: {e}"));
            let _ = tx.force_send(WatchEvent::Stopped(error));
            None
        }
    };
    Watch {
        events,
        stop,
        done,
        thread,
    }
}

/// Sends an event; false once nobody listens. A frame or network snapshot is dropped when the
/// consumer is [`EVENT_BOUND`] events behind; any other event waits until there is room.
async fn emit(events: &async_channel::Sender<WatchEvent>, event: WatchEvent) -> bool {
    match event {
        WatchEvent::Frame(_) | WatchEvent::Detail(_) | WatchEvent::Network(_) => {
            match events.try_send(event) {
                Ok(()) | Err(async_channel::TrySendError::Full(_)) => true,
                Err(async_channel::TrySendError::Closed(_)) => false,
            }
        }
        event => events.send(event).await.is_ok(),
    }
}

/// The watch loop on the current task: connect, stream, back off, repeat until fatal or unheard.
pub async fn watch_stream(
    config: ClientConfig,
    options: WatchOptions,
    events: async_channel::Sender<WatchEvent>,
) {
    run(Client::new(config), options, events).await;
}

async fn run(
    client: Result<Client, ClientError>,
    options: WatchOptions,
    events: async_channel::Sender<WatchEvent>,
) {
    let mut client = match client {
        Ok(client) => client,
        Err(e) => {
            emit(&events, WatchEvent::Stopped(e)).await;
            return;
        }
    };
    let mut backoff = Backoff::new(options.max_backoff, fastrand::Rng::new());
    loop {
        let Some(error) = session(&mut client, &options, &events, &mut backoff).await else {
            return;
        };
        if error.is_fatal() {
            emit(&events, WatchEvent::Stopped(error)).await;
            return;
        }
        let mut retry_in = backoff.next_delay();
        if let ClientError::RateLimited { retry_after } | ClientError::Busy { retry_after } = &error
        {
            retry_in = retry_in.max(*retry_after);
        }
        if !emit(&events, WatchEvent::Disconnected { error, retry_in }).await {
            return;
        }
        smol::Timer::after(retry_in).await;
    }
}

/// The graphable series the server has, over the last `window`; `None` when it has no history.
async fn recorded(client: &mut Client, window: Duration) -> Option<HistoryData> {
    let present = client.history_series().await.ok()?;
    let wanted = |name: &str| {
        matches!(name, "cpu.usage" | "cpu.temp" | "mem.percent")
            || ["net.rx_bytes_per_sec@", "net.tx_bytes_per_sec@"]
                .iter()
                .any(|prefix| name.strip_prefix(prefix).is_some_and(|iface| iface != "lo"))
    };
    let names: Vec<String> = present.into_iter().filter(|n| wanted(n)).collect();
    if names.is_empty() {
        return None;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let since = i64::try_from(now.saturating_sub(window.as_secs())).ok()?;
    client.history(&names, Some(since), None, None).await.ok()
}

/// One connection's life; the error that ended it, or `None` when nobody listens any more.
async fn session(
    client: &mut Client,
    options: &WatchOptions,
    events: &async_channel::Sender<WatchEvent>,
    backoff: &mut Backoff,
) -> Option<ClientError> {
    let mut sub = match client.subscribe_with(options.detail).await {
        Ok(sub) => sub,
        Err(e) => return Some(e),
    };
    sub.set_idle_timeout(options.idle_timeout);
    backoff.reset();
    if !emit(events, WatchEvent::Connected).await {
        return None;
    }
    match client.system().await {
        Ok(system) => {
            if !emit(events, WatchEvent::System(Box::new(system))).await {
                return None;
            }
        }
        Err(e) => return Some(e),
    }
    if let Some(window) = options.history
        && let Some(history) = recorded(client, window).await
        && !emit(events, WatchEvent::History(Box::new(history))).await
    {
        return None;
    }
    let mut next_network = options.network_every.map(|every| Instant::now() + every);
    loop {
        enum Step {
            Frame(Result<Box<StreamFrame>, ClientError>),
            Detail(Result<Result<Box<DetailedFrame>, Box<StreamFrame>>, ClientError>),
            Network,
        }
        let network_due = async {
            match next_network {
                Some(at) => smol::Timer::at(at).await,
                None => std::future::pending().await,
            };
            Step::Network
        };
        let detail = options.detail;
        let step = async {
            if detail {
                let frame = sub.next_detailed_or_classic().await;
                Step::Detail(frame.map(|f| f.map(Box::new).map_err(Box::new)))
            } else {
                Step::Frame(sub.next().await.map(Box::new))
            }
        }
        .or(network_due)
        .await;
        let event = match step {
            Step::Frame(Ok(frame)) => WatchEvent::Frame(frame),
            Step::Detail(Ok(Ok(frame))) => WatchEvent::Detail(frame),
            // A server without the detailed stream (the original PSMonitor) sends classic frames.
            Step::Detail(Ok(Err(frame))) => WatchEvent::Frame(frame),
            Step::Frame(Err(e)) | Step::Detail(Err(e)) => return Some(e),
            Step::Network => {
                let every = options.network_every.unwrap_or_default();
                next_network = Some(Instant::now() + every);
                match client.network().await {
                    Ok(network) => WatchEvent::Network(Box::new(network)),
                    Err(e) => return Some(e),
                }
            }
        };
        if !emit(events, event).await {
            return None;
        }
    }
}
