//! The hub: the one state machine an adapter drives. Requests, websocket events, effect results
//! and host samples go in through [`Hub::handle_input`]; responses, frames and effects to run come
//! out of [`Hub::poll_output`] until it returns [`Output::Wait`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use crate::auth::Account;
use crate::limiter::LoginLimiter;
use crate::model::HostReading;
use crate::workers::WorkerRegistry;

mod io;
pub use io::*;

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
