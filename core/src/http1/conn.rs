//! One HTTP/1 connection as a state machine: bytes, answers and timeouts go in through
//! [`Connection::handle_input`] with `now`; requests to route, bytes to write and the close come
//! out of [`Connection::poll_output`] until it returns [`Output::Wait`].
//!
//! It owns every rule about the connection: one request at a time (pipelined requests wait in the
//! buffer and are answered in order), keep-alive, the head deadline (exactly the header timeout,
//! counted from the connection's start or from the next request's first byte), the body deadline,
//! the write deadline (bytes handed out must drain within the header timeout), `100 Continue`,
//! `HEAD`, the `Date` header, and how it closes (after an error: half-close, then read and drop
//! what the client still sends for a moment, so the answer is not lost to a reset).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{BodyFraming, ChunkedDecoder, RequestHead, Version, encode_response, parse_head};
use crate::hub::{HttpResponse, Now, error_response};

/// How long an idle keep-alive connection waits for its next request.
pub const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(60);
/// After an error answer, how much of what the client still sends is read and dropped.
pub const LINGER_BYTES: usize = 64 * 1024;
/// And for how long.
pub const LINGER_TIME: Duration = Duration::from_secs(1);
/// Bytes asked for when nothing is buffered: most request heads fit, and an idle connection
/// holds no more than this.
const FIRST_READ: usize = 512;
/// Bytes asked for once a request is arriving.
const READ_CHUNK: usize = 4096;
/// Bytes of pipelined requests read (and kept) while the hub has a request, at most.
pub const PEER_WATCH_BYTES: usize = 4096;
/// The interim answer to `Expect: 100-continue`.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

mod events;

pub use events::{CloseReason, ConnConfig, Input, Output, Request};

/// How the current body is read.
#[derive(Debug)]
enum BodyRead {
    Length(usize),
    Chunked(ChunkedDecoder, Vec<u8>),
}

/// What the connection is doing.
#[derive(Debug)]
enum State {
    /// Waiting for a request head: nothing of it arrived before `idle` (then the connection just
    /// closes), or it must be complete by `deadline` (else 408).
    Head {
        idle: Instant,
        deadline: Option<Instant>,
    },
    /// Reading a body until `deadline`.
    Body {
        head: Box<RequestHead>,
        head_only: bool,
        read: BodyRead,
        deadline: Instant,
    },
    /// The hub has the request.
    Routing {
        version: Version,
        keep_alive: bool,
        head_only: bool,
    },
    /// The last answer is being written; then half-close, and linger if `linger`.
    Closing { linger: bool },
    /// Reading and dropping what the client still sends.
    Linger { until: Instant, left: usize },
    /// Closed or handed over.
    Done,
}

/// One HTTP/1 connection.
#[derive(Debug)]
pub struct Connection {
    config: ConnConfig,
    state: State,
    buf: Vec<u8>,
    /// When the bytes handed out must have drained.
    write_deadline: Option<Instant>,
    now: Now,
    out: VecDeque<Output>,
}

impl Connection {
    /// A connection accepted at `now`: its first head must be complete within the header timeout.
    #[must_use]
    pub fn new(config: ConnConfig, now: Now) -> Self {
        let deadline = now.mono + config.header_timeout;
        Self {
            config,
            state: State::Head {
                idle: deadline,
                deadline: Some(deadline),
            },
            buf: Vec::new(),
            write_deadline: None,
            now,
            out: VecDeque::new(),
        }
    }

    /// Whether the adapter should read from the client now (never while bytes are being
    /// written or the hub has the request: pipelined requests wait in the socket).
    #[must_use]
    pub fn wants_read(&self) -> bool {
        self.write_deadline.is_none()
            && matches!(
                self.state,
                State::Head { .. } | State::Body { .. } | State::Linger { .. }
            )
    }

    /// Whether the adapter should keep reading while the hub has the request, to learn that the
    /// client went away (a close or a reset then ends the connection and its request is
    /// abandoned, see [`Input::ReadClosed`]). What it reads meanwhile is kept for the next
    /// request, up to [`PEER_WATCH_BYTES`]; past that, pipelined requests wait in the socket.
    #[must_use]
    pub fn watches_peer(&self) -> bool {
        self.write_deadline.is_none()
            && matches!(self.state, State::Routing { .. })
            && self.buf.len() < PEER_WATCH_BYTES
    }

    /// How many bytes to read at most.
    #[must_use]
    pub fn read_size(&self) -> usize {
        if self.buf.is_empty() {
            FIRST_READ
        } else {
            READ_CHUNK
        }
    }

    /// Acts on one input at `now`; then drain [`Self::poll_output`].
    pub fn handle_input(&mut self, now: Now, input: Input<'_>) {
        if now.mono >= self.now.mono {
            self.now = now;
        }
        match input {
            Input::Read(bytes) => self.handle_read(bytes),
            Input::ReadClosed => match self.state {
                State::Done => {}
                _ => self.close(CloseReason::ClientClosed),
            },
            Input::Drained => self.handle_drained(),
            Input::Response(response) => self.handle_response(&response),
            Input::Timeout => self.handle_timeout(),
        }
        self.advance();
    }

    /// The next thing to do; [`Output::Wait`] when there is nothing until an input or deadline.
    #[must_use]
    pub fn poll_output(&mut self) -> Output {
        self.out
            .pop_front()
            .unwrap_or_else(|| Output::Wait(self.poll_timeout()))
    }

    /// The next deadline: a write that must drain, or a head, body or linger time.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.write_deadline.is_some() {
            return self.write_deadline;
        }
        match self.state {
            State::Head { idle, deadline } => Some(deadline.unwrap_or(idle)),
            State::Body { deadline, .. } => Some(deadline),
            State::Linger { until, .. } => Some(until),
            State::Routing { .. } | State::Closing { .. } | State::Done => None,
        }
    }

    fn handle_read(&mut self, bytes: &[u8]) {
        match &mut self.state {
            State::Linger { left, .. } => {
                *left = left.saturating_sub(bytes.len());
                if *left == 0 {
                    self.close(CloseReason::Refused);
                }
            }
            State::Head { deadline, .. } => {
                if deadline.is_none() && !bytes.is_empty() {
                    // The next request started: its head gets exactly the header timeout.
                    *deadline = Some(self.now.mono + self.config.header_timeout);
                }
                self.buf.extend_from_slice(bytes);
            }
            State::Body { .. } => self.buf.extend_from_slice(bytes),
            // Not asked for: keep it for the next request, in order.
            State::Routing { .. } | State::Closing { .. } => self.buf.extend_from_slice(bytes),
            State::Done => {}
        }
    }

    fn handle_drained(&mut self) {
        self.write_deadline = None;
        if let State::Closing { linger } = self.state {
            self.out.push_back(Output::ShutdownWrite);
            if linger {
                self.state = State::Linger {
                    until: self.now.mono + LINGER_TIME,
                    left: LINGER_BYTES,
                };
            } else {
                self.close(CloseReason::Done);
            }
        }
    }

    fn handle_response(&mut self, response: &HttpResponse) {
        let State::Routing {
            version,
            keep_alive,
            head_only,
        } = self.state
        else {
            return;
        };
        let bytes = encode_response(response, version, keep_alive, head_only, self.now.wall);
        self.transmit(bytes);
        self.state = if keep_alive {
            State::Head {
                idle: self.now.mono + self.config.keep_alive_idle,
                deadline: None,
            }
        } else {
            State::Closing { linger: false }
        };
    }

    fn handle_timeout(&mut self) {
        let now = self.now.mono;
        if self.write_deadline.is_some_and(|at| now >= at) {
            self.close(CloseReason::WriteStalled);
            return;
        }
        if self.write_deadline.is_some() {
            return;
        }
        match self.state {
            State::Head { idle, deadline } => {
                let started = !self.buf.is_empty();
                match deadline {
                    Some(at) if now >= at && started => {
                        let version = version_of(&self.buf);
                        let answer = error_response(408, "request head not received in time");
                        self.refuse(version, &answer);
                    }
                    Some(at) if now >= at => self.close(CloseReason::Idle),
                    None if now >= idle => self.close(CloseReason::Idle),
                    _ => {}
                }
            }
            State::Body {
                deadline, ref head, ..
            } if now >= deadline => {
                let version = head.version;
                let answer = error_response(408, "request body not received in time");
                self.refuse(version, &answer);
            }
            State::Linger { until, .. } if now >= until => self.close(CloseReason::Refused),
            _ => {}
        }
    }

    /// Moves through whatever the buffer already holds: heads, bodies, pipelined requests.
    fn advance(&mut self) {
        while self.write_deadline.is_none() {
            match &mut self.state {
                State::Head { deadline, .. } => {
                    if self.buf.is_empty() {
                        return;
                    }
                    if deadline.is_none() {
                        // A pipelined head already started: it gets exactly the header timeout.
                        *deadline = Some(self.now.mono + self.config.header_timeout);
                    }
                    if !self.next_head() {
                        return;
                    }
                }
                State::Body { .. } => {
                    if !self.next_body() {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// Parses a head from the buffer; whether the state moved on.
    fn next_head(&mut self) -> bool {
        let (mut head, len) = match parse_head(&self.buf, &self.config.limits) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return false,
            Err(err) => {
                let version = version_of(&self.buf);
                self.refuse(version, &error_response(err.status(), &err.to_string()));
                return true;
            }
        };
        self.buf.drain(..len);
        if head.path == "/connect" && head.method == "GET" && head.has_token("upgrade", "websocket")
        {
            let rest = std::mem::take(&mut self.buf);
            self.out.push_back(Output::Upgrade {
                head: Box::new(head),
                rest,
            });
            self.state = State::Done;
            self.out.push_back(Output::Close(CloseReason::Upgraded));
            return true;
        }
        // RFC 9110 9.3.2: HEAD is answered as GET, without the body.
        let head_only = head.method == "HEAD";
        if head_only {
            head.method = "GET".to_owned();
        }
        let read = match head.body {
            BodyFraming::None => {
                self.route(head, Vec::new(), head_only);
                return true;
            }
            // The head check already capped the length at the body limit.
            BodyFraming::Length(n) => BodyRead::Length(usize::try_from(n).unwrap_or(usize::MAX)),
            BodyFraming::Chunked => {
                BodyRead::Chunked(ChunkedDecoder::new(self.config.limits.max_body), Vec::new())
            }
        };
        if head.has_token("expect", "100-continue") && head.version == Version::Http11 {
            // RFC 9110 10.1.1: only once the request is routed and allowed.
            match crate::hub::expect_continue(&head.method, &head.path) {
                Ok(true) => self.transmit(CONTINUE.to_vec()),
                Ok(false) => {}
                Err(refusal) => {
                    let version = head.version;
                    self.refuse(version, &refusal);
                    return true;
                }
            }
        }
        self.state = State::Body {
            head: Box::new(head),
            head_only,
            read,
            deadline: self.now.mono + self.config.header_timeout,
        };
        true
    }

    /// Reads the body from the buffer; whether the state moved on.
    fn next_body(&mut self) -> bool {
        let State::Body { head, read, .. } = &mut self.state else {
            return false;
        };
        let body = match read {
            BodyRead::Length(n) => {
                if self.buf.len() < *n {
                    return false;
                }
                self.buf.drain(..*n).collect()
            }
            BodyRead::Chunked(decoder, body) => match decoder.decode(&self.buf, body) {
                Ok((used, done)) => {
                    self.buf.drain(..used);
                    if !done {
                        return false;
                    }
                    std::mem::take(body)
                }
                Err(err) => {
                    let version = head.version;
                    self.refuse(version, &error_response(err.status(), &err.to_string()));
                    return true;
                }
            },
        };
        let State::Body {
            head, head_only, ..
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return false;
        };
        self.route(*head, body, head_only);
        true
    }

    fn route(&mut self, head: RequestHead, body: Vec<u8>, head_only: bool) {
        self.state = State::Routing {
            version: head.version,
            keep_alive: head.keep_alive,
            head_only,
        };
        self.out
            .push_back(Output::Request(Box::new(Request { head, body })));
    }

    fn transmit(&mut self, bytes: Vec<u8>) {
        if self.write_deadline.is_none() {
            self.write_deadline = Some(self.now.mono + self.config.header_timeout);
        }
        self.out.push_back(Output::Transmit(bytes));
    }

    /// Answers with `response`, closes the write side, lingers, closes.
    fn refuse(&mut self, version: Version, response: &HttpResponse) {
        let bytes = encode_response(response, version, false, false, self.now.wall);
        self.buf = Vec::new();
        self.transmit(bytes);
        self.state = State::Closing { linger: true };
    }

    fn close(&mut self, reason: CloseReason) {
        self.state = State::Done;
        self.buf = Vec::new();
        self.write_deadline = None;
        self.out.push_back(Output::Close(reason));
    }
}

/// Guesses the version of a refused head, to answer in kind.
fn version_of(buf: &[u8]) -> Version {
    let line_end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    if buf[..line_end].windows(8).any(|w| w == b"HTTP/1.0") {
        Version::Http10
    } else {
        Version::Http11
    }
}
