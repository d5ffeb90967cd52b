//! PSMonitor client: log in, fetch snapshots, stream frames and reconnect, on smol.
//!
//! [`Client`] makes single calls (`/system`, `/network`) and opens a [`Subscription`] to the
//! websocket stream; [`login`], [`create_worker`] and [`Subscription::connect`] are its steps,
//! for callers that share one [`Session`] among many subscriptions (the load generator); [`watch`] runs a reconnecting subscription on its own thread and reports
//! [`WatchEvent`]s on a bounded channel that drops frames, never lifecycle events or errors, when
//! its consumer falls behind. HTTP is a few hand-written
//! HTTP/1.1 requests parsed with `httparse`; the websocket is async-tungstenite. An `https://`
//! server is reached over TLS (rustls, through `psmonitor-tls`), its websocket over `wss://`;
//! [`ClientConfig::trust`] says which certificates are accepted (pin, CA file, system store).
#![forbid(unsafe_code)]

mod backoff;
mod client;
mod error;
mod history;
mod http;
mod session;
mod stream;
mod subscription;
mod url;
mod watch;

pub use backoff::{BASE_DELAY, Backoff};
pub use client::{Client, ClientConfig, MintSession};
pub use error::ClientError;
pub use history::history_path;
pub use http::{HttpConnection, Reply};
pub use psmonitor_core::history::HistoryData;
pub use psmonitor_core::wire::{NetworkSnapshot, StreamFrame, SystemSnapshot};
pub use psmonitor_tls::{
    ClientTrust, Fingerprint, KnownServers, ParseFingerprintError, TlsClient, TrustError,
    TrustedBy, UntrustedReason,
};
pub use session::{Session, create_worker, login, token_lifetime};
pub use stream::{Stream, open_stream};
pub use subscription::{
    DEFAULT_IDLE_TIMEOUT, Subscription, SubscriptionOptions, detailed_or_classic,
};
pub use url::Endpoint;
pub use watch::{EVENT_BOUND, Watch, WatchEvent, WatchOptions, watch, watch_minted, watch_stream};
