//! Replays the protocol transcripts in `fixtures/transcripts/*.txt` against a [`Hub`] with a fake
//! clock. One file per behaviour; the format is described in `fixtures/transcripts/README.md`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p psmonitor-core --test transcripts` rewrites the expected lines.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use psmonitor_core::auth::{AccountEntropy, Argon2Params, create_account, verify_password};
use psmonitor_core::hub::{ConnId, HttpRequest, Hub, HubConfig, Input, Now, Output, ReqId};

#[path = "transcripts/format.rs"]
mod format;

use format::{
    matches, parse_args, parse_config, parse_time, reading, show_time, substitute, unsubstitute,
};

/// The fixed wall clock at offset zero: 2023-11-14T22:13:20Z.
const WALL_BASE_SECS: u64 = 1_700_000_000;
/// The hub's worker-id seed in every transcript.
const SEED: [u8; 32] = [0x5e; 32];
/// A safety net against a hub that never stops producing output.
const MAX_OUTPUTS_PER_INPUT: usize = 10_000;

fn transcripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/transcripts")
}

fn entropy() -> AccountEntropy {
    AccountEntropy {
        user_id: [0x11; 16],
        password: [0x22; 32],
        salt: [0x33; 16],
        jwt_secret: [0x44; 32],
    }
}

/// The replay state of one transcript.
struct Replay {
    hub: Hub,
    base: Instant,
    now: Duration,
    next_req: u64,
    vars: BTreeMap<String, String>,
    /// Every frame seen, kept alive so pointer identity labels are never reused.
    frames: Vec<Arc<str>>,
    answered: BTreeSet<ReqId>,
    open: BTreeSet<ConnId>,
}

impl Replay {
    fn new(config: HubConfig) -> Self {
        #[allow(clippy::disallowed_methods)]
        let base = Instant::now();
        let made = create_account(&entropy(), None, Argon2Params::testing()).expect("account");
        let mut vars = BTreeMap::new();
        vars.insert("password".to_owned(), made.password.expose().to_owned());
        vars.insert("user_id".to_owned(), made.account.user_id.clone());
        let hub = Hub::new(config, made.account, SEED, Self::at(base, Duration::ZERO));
        Self {
            hub,
            base,
            now: Duration::ZERO,
            next_req: 0,
            vars,
            frames: Vec::new(),
            answered: BTreeSet::new(),
            open: BTreeSet::new(),
        }
    }

    fn at(base: Instant, offset: Duration) -> Now {
        Now {
            mono: base + offset,
            wall: UNIX_EPOCH + Duration::from_secs(WALL_BASE_SECS) + offset,
        }
    }

    fn input(&mut self, line: &str) -> Input {
        let (words, args) = parse_args(line);
        let peer: IpAddr = args
            .get("peer")
            .map_or("192.0.2.1", String::as_str)
            .parse()
            .expect("peer address");
        let conn = || ConnId(args.get("conn").expect("conn=").parse().expect("conn id"));
        match words.first().map(String::as_str) {
            Some("request") => {
                self.next_req += 1;
                let target = &words[2];
                let (path, query) = match target.split_once('?') {
                    Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                    None => (target.clone(), None),
                };
                let mut body = args.get("body").cloned().unwrap_or_default().into_bytes();
                if let Some(n) = args.get("body-bytes") {
                    body = vec![b'x'; n.parse().expect("body-bytes")];
                }
                let authorization = args
                    .get("bearer")
                    .map(|t| format!("Bearer {t}"))
                    .or_else(|| args.get("authorization").cloned());
                // What every client sends with a POST, unless the transcript says.
                let content_type = args
                    .get("content-type")
                    .cloned()
                    .or_else(|| (words[1] == "POST").then(|| "application/json".to_owned()));
                Input::Request {
                    req: ReqId(self.next_req),
                    request: HttpRequest {
                        method: words[1].clone(),
                        path,
                        query,
                        authorization,
                        host: args.get("host").cloned(),
                        accept: args.get("accept").cloned(),
                        body,
                        peer,
                        secure: false,
                        if_none_match: None,
                        content_type,
                        origin: args.get("origin").cloned(),
                    },
                }
            }
            Some("connect") => {
                self.open.insert(conn());
                Input::Connected {
                    conn: conn(),
                    query: args.get("query").cloned(),
                    peer,
                }
            }
            Some("disconnect") => {
                self.open.remove(&conn());
                Input::Disconnected { conn: conn() }
            }
            Some("sample") => Input::Sample(Box::new(reading(self.now, &args))),
            Some("timeout") => Input::Timeout,
            Some("shutdown") => Input::Shutdown,
            other => panic!("unknown input {other:?}"),
        }
    }

    /// Feeds one input line and returns the rendered outputs.
    fn step(&mut self, line: &str) -> Vec<String> {
        let (time, rest) = line[1..].split_once(' ').expect("@time input");
        let now = parse_time(time);
        assert!(now >= self.now, "time goes backwards at {line}");
        self.now = now;
        let input = self.input(&substitute(rest, &self.vars));
        let stamp = Self::at(self.base, now);
        self.hub.handle_input(stamp, input);
        let mut lines = Vec::new();
        for _ in 0..MAX_OUTPUTS_PER_INPUT {
            match self.hub.poll_output() {
                Output::VerifyPassword { job, phc, password } => {
                    lines.push(format!("> verify job={}", job.0));
                    // Run the real argon2 check, as the adapter's blocking pool would.
                    let ok = verify_password(&phc, &password);
                    self.hub
                        .handle_input(stamp, Input::PasswordVerified { job, ok });
                }
                Output::Wait(deadline) => {
                    let shown = deadline.map_or("none".to_owned(), |d| {
                        assert!(d >= self.base, "deadline before the transcript began");
                        show_time(d - self.base)
                    });
                    lines.push(format!("> wait {shown}"));
                    return lines;
                }
                other => lines.push(self.render(other)),
            }
        }
        panic!("hub produced more than {MAX_OUTPUTS_PER_INPUT} outputs for {line}");
    }

    fn render(&mut self, output: Output) -> String {
        match output {
            Output::Respond { req, response } => {
                assert!(self.answered.insert(req), "request {req:?} answered twice");
                let cors = ("Access-Control-Allow-Origin", "*".to_owned());
                assert!(
                    response.headers.contains(&cors),
                    "no CORS header on {req:?}"
                );
                if response.status != 204 {
                    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&response.body);
                    assert!(parsed.is_ok(), "body of {req:?} is not JSON");
                }
                let mut line = format!("> respond req={} {}", req.0, response.status);
                for (name, value) in response.headers.iter().filter(|h| **h != cors) {
                    write!(line, " {name}=\"{value}\"").expect("write");
                }
                if !response.body.is_empty() {
                    write!(line, " {}", response.body).expect("write");
                }
                line
            }
            Output::Send { conn, frame } => {
                assert!(self.open.contains(&conn), "send to closed {conn:?}");
                let label = match self.frames.iter().position(|f| Arc::ptr_eq(f, &frame)) {
                    Some(i) => i + 1,
                    None => {
                        self.frames.push(frame.clone());
                        self.frames.len()
                    }
                };
                format!("> send conn={} #{label} {frame}", conn.0)
            }
            Output::Close { conn, code, reason } => {
                assert!(self.open.remove(&conn), "close of unknown {conn:?}");
                format!("> close conn={} {code} {reason}", conn.0)
            }
            Output::Sample(request) if request.processes => "> sample".to_owned(),
            Output::Sample(_) => "> sample host-only".to_owned(),
            Output::HistoryAppend { unix_secs, values } => {
                format!("> history-append t={unix_secs} series={}", values.len())
            }
            Output::History { req, request } => format!("> history req={} {request:?}", req.0),
            Output::TokenUsed { name, unix_secs } => format!("> token-used {name} t={unix_secs}"),
            Output::VerifyPassword { .. } | Output::Wait(_) => unreachable!("handled in step"),
        }
    }
}

/// Replays one transcript; returns the mismatches (empty when it passes).
fn replay(name: &str) -> Vec<String> {
    let path = transcripts_dir().join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let lines: Vec<&str> = text.lines().collect();
    let config = lines
        .iter()
        .find(|l| l.starts_with("config"))
        .map_or_else(HubConfig::default, |l| parse_config(l));
    let mut replay = Replay::new(config);
    let mut failures = Vec::new();
    let mut rewritten = Vec::new();
    let mut i = 0;
    let mut inputs = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if !line.starts_with('@') {
            assert!(
                !line.starts_with('>'),
                "{name}:{i}: expectation without an input"
            );
            rewritten.push(line.to_owned());
            continue;
        }
        inputs += 1;
        rewritten.push(line.to_owned());
        let actual = replay.step(line);
        let mut expected = Vec::new();
        let mut between = Vec::new();
        while i < lines.len() && !lines[i].starts_with('@') {
            if lines[i].starts_with('>') {
                expected.push(lines[i]);
            } else {
                between.push(lines[i].to_owned());
            }
            i += 1;
        }
        for (k, got) in actual.iter().enumerate() {
            match expected.get(k) {
                Some(want) if matches(want, got, &mut replay.vars) => {
                    rewritten.push((*want).to_owned());
                }
                want => {
                    failures.push(format!(
                        "{name}: after `{line}`\n  expected: {}\n  actual:   {got}",
                        want.unwrap_or(&"<nothing>")
                    ));
                    rewritten.push(unsubstitute(got, &replay.vars));
                }
            }
        }
        for want in expected.iter().skip(actual.len()) {
            failures.push(format!(
                "{name}: after `{line}`\n  expected: {want}\n  actual:   <nothing>"
            ));
        }
        rewritten.extend(between);
    }
    assert!(
        inputs > 0,
        "{name}: a transcript without inputs proves nothing"
    );
    if update && !failures.is_empty() {
        let mut out = rewritten.join("\n");
        out.push('\n');
        std::fs::write(&path, out).expect("rewrite golden transcript");
        return Vec::new();
    }
    failures
}

fn check(name: &str) {
    let failures = replay(name);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

macro_rules! transcripts {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )*

        /// Every transcript file has a test, so none is silently skipped.
        #[test]
        fn every_transcript_file_is_replayed() {
            let listed: BTreeSet<&str> = [$($file),*].into_iter().collect();
            let mut on_disk = BTreeSet::new();
            for entry in std::fs::read_dir(transcripts_dir()).expect("transcripts dir") {
                let name = entry.expect("entry").file_name().into_string().expect("utf-8");
                if let Some(stem) = name.strip_suffix(".txt") {
                    on_disk.insert(stem.to_owned());
                }
            }
            let listed: BTreeSet<String> = listed.into_iter().map(str::to_owned).collect();
            assert_eq!(on_disk, listed);
        }
    };
}

transcripts! {
    login_ok => "login-ok",
    wrong_password => "wrong-password",
    malformed_and_oversized_bodies => "malformed-and-oversized-bodies",
    routing_404_405_options => "routing-404-405-options",
    bad_tokens => "bad-tokens",
    token_expired_at_60s => "token-expired-at-60s",
    worker_claimed_at_4_9s => "worker-claimed-at-4.9s",
    worker_claimed_at_5_1s_refused => "worker-claimed-at-5.1s-refused",
    worker_reused => "worker-reused",
    too_many_pending_workers => "too-many-pending-workers",
    subscriber_mismatch => "subscriber-mismatch",
    capacity_reached_and_freed => "capacity-reached-and-freed",
    upgrade_without_id_frees_slot => "upgrade-without-id-frees-slot",
    brute_force_429_and_release => "brute-force-429-and-release",
    paced_frames_two_subscribers_one_sample => "paced-frames-two-subscribers-one-sample",
    snapshot_requests_share_one_sample => "snapshot-requests-share-one-sample",
    idle_no_sampling => "idle-no-sampling",
    shutdown_closes_1001 => "shutdown-closes-1001",
    sample_lost_is_retried => "sample-lost-is-retried",
    detail_full_beside_classic => "detail-full-beside-classic",
}
