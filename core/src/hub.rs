//! The hub: the one state machine an adapter drives. Requests, websocket events, effect results
//! and host samples go in through [`Hub::handle_input`]; responses, frames and effects to run come
//! out of [`Hub::poll_output`] until it returns [`Output::Wait`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use zeroize::Zeroizing;

use crate::auth::Account;
use crate::limiter::LoginLimiter;
use crate::model::HostReading;
use crate::workers::WorkerRegistry;

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

mod access;
mod assets;
mod history_quota;
mod http;
mod login_flow;
mod logins;
mod observe;
mod origins;
mod redact;
mod sampling;
pub use sampling::NODE_LINGER;
mod websocket;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_observe;

pub use access::{SCOPE_REFUSED, UNKNOWN_TOKEN};
pub use observe::HISTORY_OFF;
pub use origins::{FOREIGN_ORIGIN, NOT_JSON};

pub use assets::CONTENT_SECURITY_POLICY;
pub use http::{DEFAULT_HOST, LoginBodyError, error as error_response, expect_continue};
pub use websocket::{CREDENTIALS_CHANGED, FULL_CAPACITY, TOKEN_REVOKED};

/// The hub's private parsers, for the fuzz targets (`fuzz-bodies/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::access::bearer;
    pub use super::http::parse_login;
    pub use crate::query::value as query_value;
}

/// The greeting sent on every newly paired websocket.
pub const GREETING: &str = "connected to monitor, transmitting data...";

/// The protocol state machine; see the module docs.
#[derive(Debug)]
pub struct Hub {
    config: HubConfig,
    account: Account,
    now: Now,
    limiter: LoginLimiter,
    workers: WorkerRegistry,
    /// Logins being verified.
    logins: BTreeMap<JobId, logins::Login>,
    /// Logins waiting for a verification slot.
    login_queue: logins::LoginQueue,
    /// Addresses with a successful login: their logins go first.
    trusted: logins::TrustedPeers,
    /// How long a verification takes, measured.
    verify_cost: logins::VerifyCost,
    /// `/history` queries in progress, per client.
    history_quota: history_quota::HistoryQuota,
    next_job: u64,
    /// Paired websockets, each holding one connection slot and subscribed to the stream.
    conns: BTreeSet<ConnId>,
    /// The paired websockets that asked for the detailed stream (`detail=full`), a subset of `conns`.
    detailed: BTreeSet<ConnId>,
    /// The paired websockets opened with an API token, by the token's SHA-256 (the rest were
    /// opened with a password session's JWT); a subset of `conns`.
    token_streams: BTreeMap<ConnId, [u8; 32]>,
    sampler: sampling::Sampler,
    tokens: access::Tokens,
    stats: observe::Counters,
    greeting: Arc<str>,
    shutting_down: bool,
    out: VecDeque<Output>,
    /// The web dashboard's files.
    assets: assets::Assets,
}

impl Hub {
    /// A hub serving `account`; `seed` keys the worker-id generator and must be secret random bytes.
    #[must_use]
    pub fn new(config: HubConfig, account: Account, seed: [u8; 32], now: Now) -> Self {
        Self {
            limiter: LoginLimiter::default(),
            workers: WorkerRegistry::new(seed, config.worker_ttl, config.max_pending_workers),
            sampler: sampling::Sampler::new(config.interval, config.history),
            login_queue: logins::LoginQueue::new(config.max_waiting_logins),
            trusted: logins::TrustedPeers::default(),
            verify_cost: logins::VerifyCost::default(),
            history_quota: history_quota::HistoryQuota::default(),
            tokens: access::Tokens::default(),
            stats: observe::Counters::default(),
            config,
            account,
            now,
            logins: BTreeMap::new(),
            next_job: 0,
            conns: BTreeSet::new(),
            detailed: BTreeSet::new(),
            token_streams: BTreeMap::new(),
            greeting: Arc::from(GREETING),
            shutting_down: false,
            out: VecDeque::new(),
            assets: assets::Assets::new(),
        }
    }

    /// The account the hub serves.
    #[must_use]
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Websocket connections holding a slot.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// Acts on one input at `now`; then drain [`Self::poll_output`].
    pub fn handle_input(&mut self, now: Now, input: Input) {
        // A driver must never move time backwards; if one does, keep the latest time seen.
        if now.mono >= self.now.mono {
            self.now = now;
        }
        match input {
            Input::Request { req, request } => self.handle_request(req, request),
            Input::Connected { conn, query, peer } => {
                self.handle_connected(conn, query.as_deref(), peer);
            }
            Input::Disconnected { conn } => {
                self.conns.remove(&conn);
                self.detailed.remove(&conn);
                self.token_streams.remove(&conn);
            }
            Input::PasswordVerified { job, ok } => self.handle_verified(job, ok),
            Input::PasswordUnverified { job } => self.handle_unverified(job),
            Input::Sample(reading) => self.handle_sample(reading),
            Input::Timeout => {}
            Input::AccountChanged(account) => self.handle_account_changed(*account),
            Input::Shutdown => self.handle_shutdown(),
            Input::TokensChanged(tokens) => self.handle_tokens_changed(tokens),
            Input::HistoryAnswered { req, answer } => self.handle_history_answer(req, answer),
        }
        self.handle_timeout();
    }

    /// The next thing to do; [`Output::Wait`] when there is nothing until the next input or deadline.
    #[must_use]
    pub fn poll_output(&mut self) -> Output {
        self.out
            .pop_front()
            .unwrap_or_else(|| Output::Wait(self.poll_timeout()))
    }

    /// The next deadline: a worker expiring, a sample due, or a login to answer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let streaming = self.sampling_always();
        [
            self.workers.poll_timeout(),
            self.sampler.poll_timeout(self.now.mono, streaming),
            self.login_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn handle_timeout(&mut self) {
        let now = self.now.mono;
        self.workers.handle_timeout(now);
        self.expire_logins();
        if self.shutting_down {
            return;
        }
        self.sampler.viewers = !self.conns.is_empty();
        if let Some(request) = self.sampler.handle_timeout(now, self.sampling_always()) {
            self.stats.sample_requested(now);
            self.out.push_back(Output::Sample(request));
        }
    }

    /// Whether samples are taken every interval: someone streams, or history is on.
    fn sampling_always(&self) -> bool {
        !self.conns.is_empty() || (self.config.history && !self.shutting_down)
    }

    fn handle_sample(&mut self, reading: Box<HostReading>) {
        self.stats.sample_arrived(self.now.mono);
        let Some((answered, processes)) = self.sampler.handle_sample(self.now.mono, reading) else {
            return;
        };
        self.record_history();
        for (req, resource) in answered {
            let body = self
                .sampler
                .latest()
                .and_then(|latest| latest.body(resource));
            let response = match body {
                Some(body) => http::ok(body),
                None => self.metrics_response(resource),
            };
            self.respond(req, response);
        }
        if !processes || self.conns.is_empty() {
            // Nobody to send to, or a subscriber who just came after an idle spell: the next
            // tick has its processes. Either way nothing is encoded.
            return;
        }
        let Some((frame, detail)) = self.sampler.frames(!self.detailed.is_empty()) else {
            return;
        };
        self.stats.frames_sent += self.conns.len() as u64;
        for &conn in &self.conns {
            let frame = match &detail {
                Some(detail) if self.detailed.contains(&conn) => detail.clone(),
                _ => frame.clone(),
            };
            self.out.push_back(Output::Send { conn, frame });
        }
    }

    /// A password reset or key rotation: tokens signed with the old key stop working at once,
    /// and streams opened under them end; streams opened with an API token stay.
    fn handle_account_changed(&mut self, account: Account) {
        if account == self.account {
            return;
        }
        let rotated = account.jwt_secret != self.account.jwt_secret;
        self.account = account;
        if rotated {
            self.end_session_streams();
        }
    }

    fn handle_shutdown(&mut self) {
        self.shutting_down = true;
        self.detailed.clear();
        self.token_streams.clear();
        for conn in std::mem::take(&mut self.conns) {
            self.close(conn, 1001, "Server is shutting down");
        }
        for (req, _) in self.sampler.take_waiting() {
            self.respond(req, http::error(503, "server is shutting down"));
        }
        for waiting in self.login_queue.drain() {
            self.respond(
                waiting.login.req,
                http::error(503, "server is shutting down"),
            );
        }
    }

    fn respond(&mut self, req: ReqId, response: HttpResponse) {
        self.out.push_back(Output::Respond { req, response });
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        self.out.push_back(Output::Close { conn, code, reason });
    }
}
