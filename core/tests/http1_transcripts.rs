//! Replays the HTTP/1 connection transcripts in `fixtures/http1/*.txt` against a
//! [`Connection`] with a fake clock. One file per behaviour; the format is described in
//! `fixtures/http1/README.md`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p psmonitor-core --test http1_transcripts` rewrites the expected
//! lines; review the diff in the same commit as the behaviour change.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant, UNIX_EPOCH};

use psmonitor_core::http1::{ConnConfig, Connection, Input, Limits, Output};
use psmonitor_core::hub::{HttpResponse, Now};

/// The fixed wall clock at offset zero: 2023-11-14T22:13:20Z.
const WALL_BASE_SECS: u64 = 1_700_000_000;
/// A safety net against a machine that never stops producing output.
const MAX_OUTPUTS_PER_INPUT: usize = 1_000;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/http1")
}

/// `\r`, `\n`, `\\`, `\"` and `\xNN` escapes, so a line holds any bytes.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b'x' => {
                    let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                    i += 2;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    format!("\"{out}\"")
}

/// The argument of `read "..."` / `respond 200 "..."`.
fn quoted(text: &str) -> Vec<u8> {
    let inner = text
        .trim()
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_else(|| panic!("expected a quoted string: {text}"));
    unescape(inner)
}

fn config(line: Option<&&str>) -> ConnConfig {
    let mut config = ConnConfig::new(Limits::default(), Duration::from_secs(10));
    for pair in line.map_or("", |l| &l["config".len()..]).split_whitespace() {
        let (key, value) = pair.split_once('=').expect("key=value");
        let secs = || Duration::from_secs_f64(value.parse().expect("seconds"));
        match key {
            "header_timeout" => config.header_timeout = secs(),
            "keep_alive_idle" => config.keep_alive_idle = secs(),
            "max_body" => config.limits.max_body = value.parse().expect("bytes"),
            other => panic!("unknown config key {other}"),
        }
    }
    config
}

struct Replay {
    conn: Connection,
    base: Instant,
}

impl Replay {
    fn at(&self, secs: f64) -> Now {
        let offset = Duration::from_secs_f64(secs);
        Now {
            mono: self.base + offset,
            wall: UNIX_EPOCH + Duration::from_secs(WALL_BASE_SECS) + offset,
        }
    }

    fn show_time(&self, at: Option<Instant>) -> String {
        at.map_or_else(
            || "none".to_owned(),
            |at| format!("@{:.3}", (at - self.base).as_secs_f64()),
        )
    }

    /// Feeds one `@secs ...` line; returns the outputs, one line each.
    fn step(&mut self, line: &str) -> Vec<String> {
        let (time, rest) = line[1..].split_once(' ').unwrap_or((&line[1..], ""));
        let now = self.at(time.parse().expect("@seconds"));
        let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
        let bytes;
        let input = match word {
            "read" => {
                bytes = quoted(arg);
                Input::Read(&bytes)
            }
            "read-closed" => Input::ReadClosed,
            "drained" => Input::Drained,
            "timeout" => Input::Timeout,
            "respond" => {
                let (status, body) = arg.split_once(' ').unwrap_or((arg, "\"\""));
                Input::Response(HttpResponse {
                    status: status.parse().expect("status"),
                    headers: Vec::new(),
                    body: String::from_utf8(quoted(body)).expect("utf-8 body").into(),
                    content_type: "application/json",
                })
            }
            other => panic!("unknown input {other}"),
        };
        self.conn.handle_input(now, input);
        let mut lines = Vec::new();
        for _ in 0..MAX_OUTPUTS_PER_INPUT {
            let output = self.conn.poll_output();
            let done = matches!(output, Output::Wait(_));
            lines.push(self.render(output));
            if done {
                let read = if self.conn.wants_read() { " read" } else { "" };
                let watch = if self.conn.watches_peer() {
                    " watch"
                } else {
                    ""
                };
                let last = lines.pop().expect("wait line");
                lines.push(format!("{last}{read}{watch}"));
                return lines;
            }
        }
        panic!("no Wait after {MAX_OUTPUTS_PER_INPUT} outputs");
    }

    fn render(&self, output: Output) -> String {
        match output {
            Output::Transmit(bytes) => format!("> transmit {}", escape(&bytes)),
            Output::Request(request) => {
                let h = &request.head;
                let query = h
                    .query
                    .as_ref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                let host = h.header("host").unwrap_or("-");
                format!(
                    "> request {} {}{query} host={host} body={}",
                    h.method,
                    h.path,
                    escape(&request.body)
                )
            }
            Output::Upgrade { head, rest } => {
                format!("> upgrade {} rest={}", head.path, escape(&rest))
            }
            Output::ShutdownWrite => "> shutdown-write".to_owned(),
            Output::Close(reason) => format!("> close {reason:?}"),
            Output::Wait(at) => format!("> wait {}", self.show_time(at)),
        }
    }
}

/// Replays one transcript; returns the mismatches (empty when it passes).
fn replay(name: &str) -> Vec<String> {
    let path = dir().join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let lines: Vec<&str> = text.lines().collect();
    let config = config(lines.iter().find(|l| l.starts_with("config")));
    #[allow(clippy::disallowed_methods)]
    let base = Instant::now();
    let mut replay = Replay {
        conn: Connection::new(
            config,
            Now {
                mono: base,
                wall: UNIX_EPOCH + Duration::from_secs(WALL_BASE_SECS),
            },
        ),
        base,
    };
    let mut failures = Vec::new();
    let mut rewritten = Vec::new();
    let mut i = 0;
    let mut inputs = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        rewritten.push(line.to_owned());
        if !line.starts_with('@') {
            assert!(
                !line.starts_with('>'),
                "{name}:{i}: expectation without an input"
            );
            continue;
        }
        inputs += 1;
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
        if expected != actual {
            failures.push(format!(
                "{name}: after `{line}`\n  expected:\n    {}\n  actual:\n    {}",
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
        rewritten.extend(actual);
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

macro_rules! transcripts {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                let failures = replay($file);
                assert!(failures.is_empty(), "{}", failures.join("\n"));
            }
        )*

        /// Every transcript file has a test, so none is silently skipped.
        #[test]
        fn every_transcript_file_is_replayed() {
            let listed: BTreeSet<String> = [$($file),*].into_iter().map(str::to_owned).collect();
            let mut on_disk = BTreeSet::new();
            for entry in std::fs::read_dir(dir()).expect("fixtures/http1") {
                let name = entry.expect("entry").file_name().into_string().expect("utf-8");
                if let Some(stem) = name.strip_suffix(".txt") {
                    on_disk.insert(stem.to_owned());
                }
            }
            assert_eq!(on_disk, listed);
        }
    };
}

transcripts! {
    keep_alive_and_idle_close => "keep-alive-then-idle-close",
    pipelined_in_order => "pipelined-answered-in-order",
    pipelined_partial_head => "pipelined-partial-head-gets-head-deadline",
    head_deadline_from_accept => "head-deadline-counts-from-accept",
    head_deadline_from_first_byte => "next-head-deadline-from-first-byte",
    body_deadline => "stalled-body-408",
    write_deadline => "unread-answer-closes",
    http10_closes => "http10-answered-and-closed",
    expect_continue_routed => "expect-continue-after-routing",
    expect_continue_refused => "expect-continue-refused-405",
    expect_continue_http10 => "expect-continue-not-for-http10",
    chunked_in_pieces => "chunked-body-in-pieces",
    malformed_refused_and_linger => "malformed-head-refused-then-linger",
    head_request => "head-answered-without-body",
    upgrade => "websocket-upgrade-hands-over",
    client_gone => "client-closes-mid-head",
    client_gone_while_routing => "client-gone-while-routing",
    pipelined_read_while_routing => "pipelined-read-while-routing",
}

/// While the hub has a request the adapter reads to see the client go, but keeps at most
/// `PEER_WATCH_BYTES` of what comes meanwhile: a client pipelining without end waits in the
/// socket, not in memory.
#[test]
fn reading_while_routing_stops_at_peer_watch_bytes() {
    use psmonitor_core::http1::PEER_WATCH_BYTES;
    #[allow(clippy::disallowed_methods)]
    let base = Instant::now();
    let mut conn = Connection::new(config(None), replay_at(base, 0.0));
    conn.handle_input(
        replay_at(base, 0.0),
        Input::Read(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n"),
    );
    assert!(matches!(conn.poll_output(), Output::Request(_)));
    assert!(conn.watches_peer() && !conn.wants_read());
    let next = b"GET /b HTTP/1.1\r\nHost: a\r\n\r\n".repeat(PEER_WATCH_BYTES / 28 + 1);
    conn.handle_input(replay_at(base, 0.1), Input::Read(&next));
    assert!(!conn.watches_peer(), "{} bytes kept", next.len());
    assert!(!conn.wants_read());
}

fn replay_at(base: Instant, secs: f64) -> Now {
    let offset = Duration::from_secs_f64(secs);
    Now {
        mono: base + offset,
        wall: UNIX_EPOCH + Duration::from_secs(WALL_BASE_SECS) + offset,
    }
}
