//! What goes into the hub and what comes out: the inputs an adapter hands
//! [`Hub::handle_input`](super::Hub::handle_input), the outputs it polls, and the types they carry.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use zeroize::Zeroizing;

use crate::model::HostReading;

/// The current time, read once by the adapter for each input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time, for timeouts and pacing.
    pub mono: Instant,
    /// Wall-clock time, for token expiry.
    pub wall: SystemTime,
}

/// Identifies one HTTP request awaiting its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(pub u64);

/// Identifies one websocket connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Identifies one password verification job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// An HTTP request as the adapter received it; `Debug` redacts the query, credentials and body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method in upper case, e.g. `GET`.
    pub method: String,
    /// Path without the query, e.g. `/system`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// The raw `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Host` header, used to build the worker's websocket URL.
    pub host: Option<String>,
    /// The `Accept` header, which chooses the `/metrics` format.
    pub accept: Option<String>,
    /// The body; the adapter reads at most `max_body_bytes + 1` bytes so the hub can answer 413.
    pub body: Vec<u8>,
    /// The client's address, for the failed-login limiter.
    pub peer: IpAddr,
    /// The `If-None-Match` header, for the dashboard's files.
    pub if_none_match: Option<String>,
    /// Whether the request came over TLS: the worker's URL is then `wss://`.
    pub secure: bool,
    /// The `Content-Type` header: a login must be `application/json`.
    pub content_type: Option<String>,
    /// The `Origin` header a browser sends: a login from another origin needs `--cors-origin`.
    pub origin: Option<String>,
}

/// An HTTP response for the adapter to send; `Debug` shows the body's length, not its secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Extra headers, e.g. `Retry-After`.
    pub headers: Vec<(&'static str, String)>,
    /// The body: JSON, or one of the dashboard's files.
    pub body: Arc<str>,
    /// The body's `Content-Type`: `application/json` except for the dashboard's files and
    /// `/metrics`.
    pub content_type: &'static str,
}

/// Limits and timings of the hub.
#[derive(Clone, Debug, PartialEq)]
pub struct HubConfig {
    /// Time between host samples while someone subscribes (default 1 s).
    pub interval: Duration,
    /// Lifetime of access tokens (default 60 s).
    pub token_ttl: Duration,
    /// How long after its password login a session may be refreshed (default 12 h).
    pub session_lifetime: Duration,
    /// Time an unclaimed worker lives (default 5 s).
    pub worker_ttl: Duration,
    /// Unclaimed workers allowed per user (default 16).
    pub max_pending_workers: usize,
    /// Websocket connections allowed at once (default 1024).
    pub max_connections: usize,
    /// Largest request body accepted (default 16 KiB).
    pub max_body_bytes: usize,
    /// Password verifications run at once: the adapter's verifier threads (default 2).
    pub verify_slots: usize,
    /// Logins waiting for a verification slot before newcomers get 503 (default 256; fewer
    /// while verifications are too slow for that many to start within `login_deadline`).
    pub max_waiting_logins: usize,
    /// Every login is answered within this long of its arrival: one not checked by then gets
    /// 503 with `Retry-After` (default 3 s: DESIGN 6.5 asks for 5 s, the rest is room for a loaded adapter).
    pub login_deadline: Duration,
    /// History on: sample at `interval` all the time, answer snapshots from the latest sample,
    /// hand every sample's series to the history store, serve `/history` (default off here;
    /// the server turns it on unless `--history off`).
    pub history: bool,
    /// Serve `/metrics` without a token (`--metrics-public`).
    pub metrics_public: bool,
    /// Origins (`https://dash.example:8443`) whose pages may log in cross-origin
    /// (`--cors-origin`); the server's own origin always may.
    pub cors_origins: Vec<String>,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            token_ttl: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(12 * 3600),
            worker_ttl: Duration::from_secs(5),
            max_pending_workers: 16,
            max_connections: 1024,
            max_body_bytes: 16 * 1024,
            verify_slots: 2,
            max_waiting_logins: 256,
            login_deadline: Duration::from_secs(3),
            history: false,
            metrics_public: false,
            cors_origins: Vec::new(),
        }
    }
}

/// Something that happened, for the hub to act on; `Debug` redacts secrets (see `redact.rs`).
#[allow(
    clippy::large_enum_variant,
    reason = "an input is made and consumed at once, never stored in bulk; the adapter's queue boxes requests"
)]
pub enum Input {
    /// An HTTP request arrived.
    Request {
        /// Its id, echoed in the response.
        req: ReqId,
        /// The request.
        request: HttpRequest,
    },
    /// A websocket handshake completed on `/connect`.
    Connected {
        /// The new connection.
        conn: ConnId,
        /// The raw query string of the upgrade request.
        query: Option<String>,
        /// The client's address.
        peer: IpAddr,
    },
    /// A websocket connection ended (closed by the peer, failed, or aborted).
    Disconnected {
        /// The connection.
        conn: ConnId,
    },
    /// A password verification asked for by [`Output::VerifyPassword`] finished.
    PasswordVerified {
        /// The job.
        job: JobId,
        /// Whether the password matched.
        ok: bool,
    },
    /// A password verification asked for by [`Output::VerifyPassword`] could not run (no
    /// verifier free): the login is answered 503, never 401.
    PasswordUnverified {
        /// The job.
        job: JobId,
    },
    /// A host sample asked for by [`Output::Sample`].
    Sample(Box<HostReading>),
    /// The deadline of the last [`Output::Wait`] passed.
    Timeout,
    /// The account changed (password reset while running): tokens signed before stay valid only
    /// if the secret is unchanged.
    AccountChanged(Box<crate::auth::Account>),
    /// The server is shutting down: close every websocket with 1001.
    Shutdown,
    /// The API tokens now in the store (the adapter reloads them; a revoked one is absent).
    TokensChanged(Vec<crate::auth::api_token::ApiToken>),
    /// The answer to an [`Output::History`].
    HistoryAnswered {
        /// The request it answers.
        req: ReqId,
        /// The answer.
        answer: HistoryAnswer,
    },
}

/// What an [`Output::History`] asks the history store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryRequest {
    /// `GET /history/series`.
    Series,
    /// `GET /history` with a validated query.
    Range(crate::history::HistoryQuery),
}

/// The history store's answer, fed back as [`Input::HistoryAnswered`].
#[derive(Clone, Debug, PartialEq)]
pub enum HistoryAnswer {
    /// The series recorded.
    Series(Vec<String>),
    /// The points of a range.
    Range(crate::history::HistoryData),
    /// The query names a series never recorded, or is otherwise refused (400).
    Invalid(crate::history::HistoryQueryError),
    /// The store failed or is unavailable (503); the text is logged by the adapter, not sent.
    Unavailable,
    /// The client went away before the query ran, so it was not run; its slot is free again.
    Abandoned,
}

/// What one host sample must read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleRequest {
    /// Read every process (`/proc/<pid>`): someone subscribes, or a request that shows
    /// processes (`/system`, `/metrics`) came lately. `false`: host-level figures only, which is
    /// all history needs.
    pub processes: bool,
    /// Read the node_exporter-only sources (DESIGN 6.2: vmstat, pressure, netclass, ...): a
    /// `/metrics` request waits or came within [`NODE_LINGER`]. `false`: an unscraped server
    /// does not pay for them.
    pub node: bool,
}

/// Something for the adapter to do.
#[derive(Debug)]
pub enum Output {
    /// Send this response to the request.
    Respond {
        /// The request.
        req: ReqId,
        /// The response.
        response: HttpResponse,
    },
    /// Send this text frame; the same `Arc` goes to every subscriber of a tick (one per variant:
    /// classic, or detailed for `detail=full`).
    Send {
        /// The connection.
        conn: ConnId,
        /// The text.
        frame: Arc<str>,
    },
    /// Close the websocket with this code and reason; the hub has already forgotten it.
    Close {
        /// The connection.
        conn: ConnId,
        /// The close code (1000 normal, 1001 going away, 1008 policy, 1013 try again later).
        code: u16,
        /// The reason text.
        reason: &'static str,
    },
    /// Verify `password` against the PHC string off the I/O threads, then feed back
    /// [`Input::PasswordVerified`].
    VerifyPassword {
        /// The job.
        job: JobId,
        /// The argon2 PHC string.
        phc: String,
        /// The password given.
        password: Zeroizing<String>,
    },
    /// Take a host sample, reading what the request says, and feed it back as [`Input::Sample`].
    Sample(SampleRequest),
    /// Append one tick's series values to the history store (history on).
    HistoryAppend {
        /// When the sample was taken, unix seconds.
        unix_secs: i64,
        /// The values, by series name.
        values: crate::series::SeriesValues,
    },
    /// Ask the history store, off the hub's task, and feed back [`Input::HistoryAnswered`].
    History {
        /// The request to answer.
        req: ReqId,
        /// What to ask.
        request: HistoryRequest,
    },
    /// An API token was used: record its last-use time in the store (at most once a minute
    /// per token).
    TokenUsed {
        /// The token's name.
        name: String,
        /// When, unix seconds.
        unix_secs: i64,
    },
    /// Nothing more to do until this instant (or the next input, if `None`).
    Wait(Option<Instant>),
}
