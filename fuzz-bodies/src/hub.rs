//! The hub fed an arbitrary sequence of requests, websocket events, verifications, samples,
//! history answers and clock moves (a fake clock), playing a well-behaved adapter: every request
//! is answered exactly once, frames go only to open connections, nothing panics.

pub mod steps;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use psmonitor_core::auth::api_token::{ApiToken, TokenScope, hash_token};
use psmonitor_core::auth::{Account, JwtSecret, issue_token};
use psmonitor_core::history::{HistoryData, HistoryQueryError};
use psmonitor_core::hub::{
    ConnId, HistoryAnswer, HistoryRequest, HttpRequest, Hub, HubConfig, Input, JobId, Now, Output,
    ReqId,
};
use psmonitor_core::model::{HostReading, HostRecording};

use self::steps::{Auth, Body, METHODS, PATHS, Query, Step};

/// The API token of scope `read` the target's store may hold.
pub const API_READ: &str = "psm_fuzzreadfuzzreadfuzzreadfuzzreadfuzzreadfuz";
/// The API token of scope `metrics`.
pub const API_METRICS: &str = "psm_fuzzmetricsfuzzmetricsfuzzmetricsfuzzmetr";

/// Readings the samples come from: the small recorded VM host.
fn readings() -> &'static [HostReading] {
    static READINGS: OnceLock<Vec<HostReading>> = OnceLock::new();
    READINGS.get_or_init(|| {
        let text = include_str!("../../fixtures/hosts/vm-no-sensors.json");
        let recording: HostRecording = serde_json::from_str(text).expect("fixture parses");
        let mut readings = recording.readings;
        readings.push(HostReading::default());
        readings
    })
}

/// The hub's configuration from the config byte: small limits, so they are reached.
fn config(byte: u8) -> HubConfig {
    HubConfig {
        interval: Duration::from_secs(1),
        token_ttl: Duration::from_secs(60),
        session_lifetime: Duration::from_secs(600),
        worker_ttl: Duration::from_secs(5),
        max_pending_workers: 2,
        max_connections: usize::from(byte & 3) + 1,
        max_body_bytes: 64,
        verify_slots: usize::from((byte >> 2) & 1) + 1,
        max_waiting_logins: usize::from((byte >> 3) & 3),
        login_deadline: Duration::from_secs(3),
        cors_origins: Vec::new(),
        history: byte & 0x20 != 0,
        metrics_public: byte & 0x40 != 0,
    }
}

fn peer(n: u8) -> IpAddr {
    match n & 3 {
        0 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        1 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        2 => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        _ => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)),
    }
}

/// The adapter the target plays, and what it checks of the hub.
struct Driver {
    hub: Hub,
    account: Account,
    start: Instant,
    offset: Duration,
    max_connections: usize,
    next_req: u64,
    /// Requests not yet answered.
    outstanding: BTreeSet<u64>,
    /// Verifications asked for and not yet answered, in order.
    jobs: Vec<JobId>,
    /// Samples asked for and not yet given.
    samples_asked: usize,
    /// History queries asked for and not yet answered, in order.
    history: Vec<(ReqId, HistoryRequest)>,
    /// Connections the adapter has open (connected, not yet closed by either side).
    open: BTreeSet<u64>,
    /// Worker ids from `POST /worker` answers, oldest first.
    workers: Vec<String>,
    /// Responses by status, for the record.
    statuses: BTreeMap<u16, usize>,
}

impl Driver {
    fn new(config_byte: u8) -> Self {
        let account = crate::account();
        let config = config(config_byte);
        let start = Instant::now();
        let max_connections = config.max_connections;
        let now = Now {
            mono: start,
            wall: crate::wall(crate::NOW_UNIX),
        };
        Self {
            hub: Hub::new(config, account.clone(), [3; 32], now),
            account,
            start,
            offset: Duration::ZERO,
            max_connections,
            next_req: 0,
            outstanding: BTreeSet::new(),
            jobs: Vec::new(),
            samples_asked: 0,
            history: Vec::new(),
            open: BTreeSet::new(),
            workers: Vec::new(),
            statuses: BTreeMap::new(),
        }
    }

    fn now(&self) -> Now {
        Now {
            mono: self.start + self.offset,
            wall: crate::wall(crate::NOW_UNIX) + self.offset,
        }
    }

    fn input(&mut self, input: Input) {
        self.hub.handle_input(self.now(), input);
        self.drain();
    }

    /// Takes every output, checking each against what the adapter knows.
    fn drain(&mut self) {
        loop {
            match self.hub.poll_output() {
                Output::Wait(deadline) => {
                    if let Some(at) = deadline {
                        assert!(at >= self.start, "a deadline before the hub started");
                    }
                    break;
                }
                Output::Respond { req, response } => {
                    assert!(
                        self.outstanding.remove(&req.0),
                        "request {} answered twice or never asked",
                        req.0
                    );
                    assert!((200..600).contains(&response.status));
                    if response.content_type == "application/json" && response.status != 204 {
                        serde_json::from_str::<serde_json::Value>(&response.body)
                            .expect("a JSON body is JSON");
                    }
                    *self.statuses.entry(response.status).or_default() += 1;
                    self.note_worker(&response.body);
                }
                Output::Send { conn, frame } => {
                    assert!(self.open.contains(&conn.0), "frame to closed {conn:?}");
                    assert!(!frame.is_empty());
                }
                Output::Close { conn, code, .. } => {
                    assert!(self.open.remove(&conn.0), "close of unknown {conn:?}");
                    assert!(
                        matches!(code, 1000 | 1001 | 1008 | 1013),
                        "close code {code}"
                    );
                }
                Output::VerifyPassword { job, .. } => {
                    assert!(!self.jobs.contains(&job), "{job:?} asked twice");
                    self.jobs.push(job);
                }
                Output::Sample(_) => self.samples_asked += 1,
                Output::History { req, request } => {
                    assert!(
                        self.outstanding.contains(&req.0),
                        "history for a done request"
                    );
                    self.history.push((req, request));
                }
                Output::HistoryAppend { values, .. } => {
                    assert!(values.values().all(|v| v.is_finite()));
                }
                Output::TokenUsed { name, .. } => {
                    assert!(name == "reader" || name == "scraper", "{name}");
                }
            }
        }
        assert!(self.hub.connections() <= self.max_connections);
    }

    fn note_worker(&mut self, body: &str) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(body)
            && let (Some(id), Some(_)) = (value["id"].as_str(), value["url"].as_str())
        {
            self.workers.push(id.to_owned());
        }
    }

    fn bearer(&self, issued_ago: u64) -> String {
        let at = self.now().wall - Duration::from_secs(issued_ago);
        let token = issue_token(&self.account, at, Duration::from_secs(60)).expect("signs");
        format!("Bearer {}", token.as_str())
    }

    fn request(&mut self, r: steps::Request) {
        self.next_req += 1;
        let req = ReqId(self.next_req);
        self.outstanding.insert(req.0);
        let authorization = match r.auth {
            Auth::None => None,
            Auth::Fresh => Some(self.bearer(0)),
            Auth::Stale => Some(self.bearer(120)),
            Auth::ApiRead => Some(format!("Bearer {API_READ}")),
            Auth::ApiMetrics => Some(format!("Bearer {API_METRICS}")),
            Auth::Raw(text) => Some(text),
        };
        let body = match r.body {
            Body::Empty => Vec::new(),
            Body::Login(right) => {
                let user = if right { "PSMonitor" } else { "root" };
                serde_json::json!({"username": user, "password": "pw"})
                    .to_string()
                    .into_bytes()
            }
            Body::Raw(bytes) => bytes,
        };
        let request = HttpRequest {
            method: r
                .method
                .map_or_else(|t| t, |i| METHODS[usize::from(i)].to_owned()),
            path: r
                .path
                .map_or_else(|t| t, |i| PATHS[usize::from(i)].to_owned()),
            query: r.query,
            authorization,
            host: r.host,
            accept: r.accept,
            body,
            peer: peer(r.peer),
            if_none_match: r.if_none_match,
            secure: r.secure,
            content_type: Some("application/json".to_owned()),
            origin: None,
        };
        self.input(Input::Request { req, request });
    }

    fn connect(&mut self, conn: u8, query: Query) {
        let conn = u64::from(conn % 8);
        let query = match query {
            Query::Worker {
                back,
                right_subscriber,
                detail,
            } => {
                let id = self
                    .workers
                    .iter()
                    .rev()
                    .nth(usize::from(back))
                    .cloned()
                    .unwrap_or_default();
                let subscriber = if right_subscriber {
                    self.account.user_id.clone()
                } else {
                    "someone-else".to_owned()
                };
                let detail = if detail { "&detail=full" } else { "" };
                Some(format!("id={id}&subscriber={subscriber}{detail}"))
            }
            Query::Raw(q) => q,
        };
        // The adapter never reuses a live id; a closed one may come back.
        if !self.open.insert(conn) {
            return;
        }
        self.input(Input::Connected {
            conn: ConnId(conn),
            query,
            peer: peer(0),
        });
    }

    fn step(&mut self, step: Step) {
        match step {
            Step::Request(r) => self.request(r),
            Step::Connect(conn, query) => self.connect(conn, query),
            Step::Disconnect(conn) => {
                let conn = u64::from(conn % 8);
                if self.open.remove(&conn) {
                    self.input(Input::Disconnected { conn: ConnId(conn) });
                }
            }
            Step::Verified(i, ok) => {
                if let Some(job) = take(&mut self.jobs, i) {
                    self.input(Input::PasswordVerified { job, ok });
                }
            }
            Step::Unverified(i) => {
                if let Some(job) = take(&mut self.jobs, i) {
                    self.input(Input::PasswordUnverified { job });
                }
            }
            Step::Sample(i) => {
                if self.samples_asked > 0 {
                    self.samples_asked -= 1;
                    self.sample(usize::from(i));
                }
            }
            Step::Advance(tens) => {
                self.offset += Duration::from_millis(u64::from(tens) * 10);
                self.input(Input::Timeout);
            }
            Step::Account(rotate) => {
                let mut account = self.account.clone();
                if rotate {
                    account.jwt_secret = JwtSecret([account.jwt_secret.0[0].wrapping_add(1); 32]);
                } else {
                    account.username.push('x');
                }
                self.account = account.clone();
                self.input(Input::AccountChanged(Box::new(account)));
            }
            Step::Shutdown => self.input(Input::Shutdown),
            Step::Tokens(read, metrics) => {
                let mut tokens = Vec::new();
                if read {
                    tokens.push(api_token("reader", TokenScope::Read, API_READ));
                }
                if metrics {
                    tokens.push(api_token("scraper", TokenScope::Metrics, API_METRICS));
                }
                self.input(Input::TokensChanged(tokens));
            }
            Step::History(i, kind) => {
                if let Some((req, request)) = take(&mut self.history, i) {
                    self.input(Input::HistoryAnswered {
                        req,
                        answer: history_answer(&request, kind),
                    });
                }
            }
        }
    }

    fn sample(&mut self, i: usize) {
        let all = readings();
        let mut reading = all[i % all.len()].clone();
        reading.monotonic_ms = u64::try_from(self.offset.as_millis()).unwrap_or(u64::MAX);
        self.input(Input::Sample(Box::new(reading)));
    }

    /// Answers everything still pending, as a well-behaved adapter eventually does, until every
    /// request has its response.
    fn finish(&mut self) {
        for round in 0..64 {
            if self.outstanding.is_empty() {
                return;
            }
            while let Some(job) = take(&mut self.jobs, 0) {
                self.input(Input::PasswordVerified { job, ok: true });
            }
            while let Some((req, request)) = take(&mut self.history, 0) {
                let answer = history_answer(&request, round);
                self.input(Input::HistoryAnswered { req, answer });
            }
            while self.samples_asked > 0 {
                self.samples_asked -= 1;
                self.sample(usize::from(round));
            }
            self.offset += Duration::from_millis(500);
            self.input(Input::Timeout);
        }
        panic!("requests never answered: {:?}", self.outstanding);
    }
}

/// Removes and returns item `i` (modulo the length) of `items`.
fn take<T>(items: &mut Vec<T>, i: u8) -> Option<T> {
    let n = items.len();
    (n > 0).then(|| items.remove(usize::from(i) % n))
}

fn api_token(name: &str, scope: TokenScope, secret: &str) -> ApiToken {
    ApiToken {
        name: name.to_owned(),
        scope,
        hash: hash_token(secret),
    }
}

fn history_answer(request: &HistoryRequest, kind: u8) -> HistoryAnswer {
    match (kind % 3, request) {
        (0, HistoryRequest::Series) => HistoryAnswer::Series(vec!["cpu.usage".to_owned()]),
        (0, HistoryRequest::Range(query)) => HistoryAnswer::Range(HistoryData {
            step: 60,
            times: vec![query.since],
            series: query
                .series
                .iter()
                .map(|s| (s.clone(), vec![Some(1.5)]))
                .collect(),
        }),
        (1, _) => HistoryAnswer::Invalid(HistoryQueryError::UnknownSeries("x".to_owned())),
        _ => HistoryAnswer::Unavailable,
    }
}

/// Runs the steps of `data` (see [`steps`]) against a fresh hub, then answers everything still
/// pending: every request is answered exactly once, frames and closes go only to open
/// connections, slots never exceed the limit, and every JSON body is JSON.
pub fn hub(data: &[u8]) {
    let (config, steps) = steps::decode(data);
    let mut driver = Driver::new(config);
    for step in steps {
        driver.step(step);
    }
    driver.finish();
    let answered: usize = driver.statuses.values().sum();
    assert_eq!(answered as u64, driver.next_req);
}
