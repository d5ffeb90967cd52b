//! The RFC 9110 / 9112 checklist of DESIGN 6.5, one test per rule, each naming its section.
//! Every case drives the core's HTTP/1 [`Connection`] with a fake clock and reads the bytes it
//! would put on the wire; the hub's side is a stand-in answering `{"path":...}` as JSON.

use std::time::{Duration, Instant, UNIX_EPOCH};

use psmonitor_core::http1::{CloseReason, ConnConfig, Connection, Input, Limits, Output};
use psmonitor_core::hub::{HttpResponse, Now};

const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 1000;

/// One connection and everything it did.
struct Client {
    conn: Connection,
    base: Instant,
    at: Duration,
    /// Bytes written to the client.
    wire: Vec<u8>,
    /// Requests handed to the hub: method, path, host, body.
    routed: Vec<(String, String, Option<String>, Vec<u8>)>,
    closed: Option<CloseReason>,
}

impl Client {
    fn new() -> Self {
        #[allow(clippy::disallowed_methods)]
        let base = Instant::now();
        let limits = Limits {
            max_body: MAX_BODY,
            ..Limits::default()
        };
        let config = ConnConfig::new(limits, HEADER_TIMEOUT);
        let mut client = Self {
            conn: Connection::new(config, Self::now_at(base, Duration::ZERO)),
            base,
            at: Duration::ZERO,
            wire: Vec::new(),
            routed: Vec::new(),
            closed: None,
        };
        client.run();
        client
    }

    fn now_at(base: Instant, at: Duration) -> Now {
        Now {
            mono: base + at,
            wall: UNIX_EPOCH + Duration::from_secs(1_700_000_000) + at,
        }
    }

    fn now(&self) -> Now {
        Self::now_at(self.base, self.at)
    }

    /// Carries out outputs like the adapter would: writes drain at once, the hub answers at once.
    fn run(&mut self) -> Option<Instant> {
        loop {
            match self.conn.poll_output() {
                Output::Transmit(bytes) => {
                    self.wire.extend_from_slice(&bytes);
                    self.conn.handle_input(self.now(), Input::Drained);
                }
                Output::Request(request) => {
                    let head = &request.head;
                    let path = head.path.clone();
                    self.routed.push((
                        head.method.clone(),
                        path.clone(),
                        head.header("host").map(str::to_owned),
                        request.body.clone(),
                    ));
                    let response = HttpResponse {
                        status: 200,
                        headers: Vec::new(),
                        body: serde_json::json!({ "path": path }).to_string().into(),
                        content_type: "application/json",
                    };
                    self.conn
                        .handle_input(self.now(), Input::Response(response));
                }
                Output::Upgrade { .. } | Output::ShutdownWrite => {}
                Output::Close(reason) => self.closed = Some(reason),
                Output::Wait(at) => return at,
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.conn.handle_input(self.now(), Input::Read(bytes));
        self.run();
    }

    /// Jumps the fake clock to `secs` after the accept and fires the timer.
    fn advance_to(&mut self, secs: f64) {
        self.at = Duration::from_secs_f64(secs);
        self.conn.handle_input(self.now(), Input::Timeout);
        self.run();
    }

    fn text(&self) -> String {
        String::from_utf8(self.wire.clone()).expect("utf-8 on the wire")
    }

    /// The status codes written, in order.
    fn statuses(&self) -> Vec<u16> {
        self.text()
            .match_indices("HTTP/1.")
            .filter_map(|(i, _)| self.text()[i + 9..i + 12].parse().ok())
            .collect()
    }
}

/// RFC 9110 9.3.2: HEAD gets the same answer as GET, header fields included, without content.
#[test]
fn rfc9110_9_3_2_head_is_get_without_content() {
    let mut get = Client::new();
    get.send(b"GET /system HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut head = Client::new();
    head.send(b"HEAD /system HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(head.routed[0].0, "GET", "the hub is asked for GET");
    let get_text = get.text();
    let (get_head, get_body) = get_text.split_once("\r\n\r\n").unwrap();
    assert_eq!(head.text(), format!("{get_head}\r\n\r\n"));
    assert!(!get_body.is_empty());
    assert!(
        head.text()
            .contains(&format!("Content-Length: {}", get_body.len()))
    );
}

/// RFC 9110 6.6.1: an origin server with a clock sends `Date` (IMF-fixdate) on every response,
/// answers from the hub and its own refusals alike.
#[test]
fn rfc9110_6_6_1_every_response_has_a_date() {
    let mut client = Client::new();
    client.send(b"GET /system HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nBad Header: x\r\n\r\n");
    assert_eq!(client.statuses(), [200, 400]);
    assert_eq!(
        client
            .text()
            .matches("\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n")
            .count(),
        2,
        "{}",
        client.text()
    );
    let mut late = Client::new();
    late.send(b"GET /sys");
    late.advance_to(10.0);
    assert_eq!(late.statuses(), [408]);
    assert!(
        late.text()
            .contains("\r\nDate: Tue, 14 Nov 2023 22:13:30 GMT\r\n")
    );
}

/// RFC 9112 3.2.2: a server MUST accept absolute-form; its authority replaces `Host`.
#[test]
fn rfc9112_3_2_2_absolute_form_is_accepted() {
    let mut client = Client::new();
    client.send(b"GET http://127.0.0.1:4500/system?x=1 HTTP/1.1\r\nHost: elsewhere\r\n\r\n");
    assert_eq!(client.statuses(), [200]);
    let (method, path, host, _) = &client.routed[0];
    assert_eq!((method.as_str(), path.as_str()), ("GET", "/system"));
    assert_eq!(host.as_deref(), Some("127.0.0.1:4500"));
}

/// RFC 9112 3.2: an HTTP/1.1 request without `Host`, or with two, is answered 400 and closed.
#[test]
fn rfc9112_3_2_host_is_required_once() {
    for head in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        let mut client = Client::new();
        client.send(head);
        assert_eq!(client.statuses(), [400]);
        assert!(client.routed.is_empty());
    }
}

/// RFC 9110 10.1.1: `100 Continue` only to an HTTP/1.1 client, and only once the request is
/// routed and allowed; a refused one is answered at once, without reading the body.
#[test]
fn rfc9110_10_1_1_continue_only_for_http11_and_after_routing() {
    let login = b"POST /authenticate HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    let mut client = Client::new();
    client.send(login);
    assert_eq!(client.text(), "HTTP/1.1 100 Continue\r\n\r\n");
    client.send(b"{}");
    assert_eq!(client.statuses(), [100, 200]);

    let mut old = Client::new();
    old.send(b"POST /authenticate HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    assert_eq!(old.text(), "", "no 100 to HTTP/1.0");
    old.send(b"{}");
    assert_eq!(old.statuses(), [200]);

    let mut wrong = Client::new();
    wrong.send(b"PUT /authenticate HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    assert_eq!(wrong.statuses(), [405]);
    assert!(wrong.routed.is_empty());
}

/// DESIGN 6.5 (RFC 9112 9.5 lets a server choose its timeouts): the head deadline is exactly
/// the header timeout from the accept, not a multiple of it.
#[test]
fn head_deadline_is_exactly_the_header_timeout() {
    let mut client = Client::new();
    client.advance_to(9.0);
    client.send(b"GET /system HTTP/1.1\r\n");
    client.advance_to(9.999);
    assert!(client.wire.is_empty());
    client.advance_to(10.0);
    assert_eq!(client.statuses(), [408]);
}

/// RFC 9110 15.5.14 and DESIGN 6.5: one body cap, the configured one, whichever framing.
#[test]
fn rfc9110_15_5_14_one_body_cap() {
    let body = "x".repeat(MAX_BODY);
    let mut fits = Client::new();
    fits.send(
        format!(
            "POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: {MAX_BODY}\r\n\r\n{body}"
        )
        .as_bytes(),
    );
    assert_eq!(fits.statuses(), [200]);
    assert_eq!(fits.routed[0].3.len(), MAX_BODY);
    let mut over = Client::new();
    over.send(
        format!(
            "POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        )
        .as_bytes(),
    );
    assert_eq!(over.statuses(), [413]);
    let mut chunked = Client::new();
    chunked.send(format!("POST /authenticate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}x\r\n0\r\n\r\n", MAX_BODY + 1).as_bytes());
    assert_eq!(chunked.statuses(), [413]);
    assert!(over.routed.is_empty() && chunked.routed.is_empty());
}

/// RFC 9112 9.3 and 9.3.2: HTTP/1.1 persists by default and answers pipelined requests in
/// order; HTTP/1.0 closes unless it asked for keep-alive.
#[test]
fn rfc9112_9_3_persistence_and_pipelining_order() {
    let mut client = Client::new();
    client.send(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let paths: Vec<&str> = client.routed.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(paths, ["/a", "/b", "/c"]);
    let bodies: Vec<usize> = ["/a", "/b", "/c"]
        .iter()
        .map(|p| {
            client
                .text()
                .find(&format!("{{\"path\":\"{p}\"}}"))
                .unwrap()
        })
        .collect();
    assert!(
        bodies.is_sorted(),
        "answers out of order: {}",
        client.text()
    );
    assert_eq!(client.closed, Some(CloseReason::Done));

    let mut old = Client::new();
    old.send(b"GET /a HTTP/1.0\r\n\r\n");
    assert!(old.text().starts_with("HTTP/1.0 200 OK\r\n"));
    assert!(old.text().contains("Connection: close"));
    assert_eq!(old.closed, Some(CloseReason::Done));
}

/// RFC 9112 6.3: `Content-Length` with `Transfer-Encoding` is refused (400) and the connection
/// closed, so no request is smuggled behind it.
#[test]
fn rfc9112_6_3_length_and_encoding_together_close() {
    let mut client = Client::new();
    client.send(b"POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(client.statuses(), [400]);
    assert!(client.routed.is_empty());
    assert!(client.text().contains("Connection: close"));
}

/// RFC 9112 2.2: a bare LF may end a line, but one inside a head of CRLF lines could hide a
/// header from a proxy: refused with 400, the request never routed.
#[test]
fn rfc9112_2_2_bare_lf_in_a_crlf_head_is_refused() {
    let mut client = Client::new();
    client.send(b"POST /authenticate HTTP/1.1\r\nHost: a\r\nX: y\nContent-Length: 2\r\n\r\n{}");
    assert_eq!(client.statuses(), [400]);
    assert!(client.routed.is_empty());
}

/// RFC 9112 7.1.2: trailer fields are read and dropped, within a cap in count and bytes (431).
#[test]
fn rfc9112_7_1_2_trailers_are_capped() {
    let trailers: String = (0..1000).map(|i| format!("T{i}: v\r\n")).collect();
    let mut client = Client::new();
    client.send(
        format!(
            "POST /authenticate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n{trailers}\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(client.statuses(), [431]);
    assert!(client.routed.is_empty());
}
