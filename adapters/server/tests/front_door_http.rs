//! HTTP that a proxy and a client can rely on: HTTP/1.0, pipelining, routing by the target
//! alone, unambiguous framing, JSON answers for malformed heads, early 413, and timeouts.
//! Raw bytes on real sockets, since a well-behaved client cannot send most of these.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{TestServer, body_json, golden, raw_exchange, statuses};

const HOST: &str = "vm-no-sensors";

#[test]
fn http_1_0_is_answered_and_closed() {
    // History off: the first answer is the fixture's first two readings, as the golden holds.
    let server = TestServer::start_with(HOST, |c| c.history = false);
    let bearer = server.bearer();
    let req = format!("GET /system HTTP/1.0\r\nAuthorization: {bearer}\r\n\r\n");
    let (text, closed) = raw_exchange(server.addr, req.as_bytes());
    assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
    assert!(
        closed,
        "an HTTP/1.0 request without keep-alive ends the connection"
    );
    assert_eq!(
        body_json(&text),
        serde_json::from_str::<serde_json::Value>(&golden(HOST, "system.json")).unwrap()
    );
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start(HOST);
    let bearer = server.bearer();
    let req = format!(
        "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n\
         GET /system HTTP/1.1\r\nHost: a\r\nAuthorization: {bearer}\r\n\r\n\
         GET /authenticate HTTP/1.1\r\nHost: a\r\n\r\n\
         GET /network HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    );
    let (text, closed) = raw_exchange(server.addr, req.as_bytes());
    assert_eq!(statuses(&text), [404, 200, 405, 401], "{text}");
    assert!(closed);
}

#[test]
fn routing_reads_the_target_not_the_host() {
    let server = TestServer::start(HOST);
    let bearer = server.bearer();
    for host in ["127.0.0.1/system#", "a?b", "user@a", "a#b"] {
        let req =
            format!("GET /nothing HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}\r\n\r\n");
        let (text, closed) = raw_exchange(server.addr, req.as_bytes());
        assert_eq!(statuses(&text), [400], "{host}: {text}");
        assert_eq!(body_json(&text)["error"], "invalid host header");
        assert!(closed);
    }
}

#[test]
fn ambiguous_framing_is_400_and_closed() {
    let server = TestServer::start(HOST);
    let cases = [
        (
            "Content-Length: 5\r\nTransfer-Encoding: chunked",
            "together are ambiguous",
        ),
        ("Transfer-Encoding: gzip, chunked", "only chunked"),
        (
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
            "only chunked",
        ),
        ("Transfer-Encoding: compress", "only chunked"),
        (
            "Content-Length: 5\r\nContent-Length: 7",
            "conflicting content-length",
        ),
        ("Content-Length: -1", "invalid content-length"),
        (
            "Content-Length: 18446744073709551616",
            "invalid content-length",
        ),
    ];
    for (headers, message) in cases {
        let req = format!("POST /authenticate HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\nhello");
        let (text, closed) = raw_exchange(server.addr, req.as_bytes());
        assert_eq!(statuses(&text), [400], "{headers}: {text}");
        let error = body_json(&text)["error"].as_str().unwrap().to_owned();
        assert!(error.contains(message), "{headers}: {error}");
        assert!(text.contains("Connection: close"), "{text}");
        assert!(closed, "{headers}");
    }
}

#[test]
fn malformed_heads_get_json_before_the_close() {
    let server = TestServer::start(HOST);
    let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (
            format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(10_000)).into_bytes(),
            414,
        ),
        (
            format!(
                "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
                "b".repeat(20_000)
            )
            .into_bytes(),
            431,
        ),
        (
            format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n").into_bytes(),
            431,
        ),
        (b"GET /system HTTP/1.1\r\n\r\n".to_vec(), 400),
        (b"GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(), 400),
        (b"GARBAGE\r\n\r\n".to_vec(), 400),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n".to_vec(),
            400,
        ),
    ];
    for (req, status) in cases {
        let (text, closed) = raw_exchange(server.addr, &req);
        assert_eq!(statuses(&text), [status], "{text}");
        assert!(body_json(&text)["error"].is_string(), "{text}");
        assert!(closed);
    }
}

#[test]
fn an_oversized_length_is_413_at_once_without_reading_the_body() {
    let server = TestServer::start(HOST);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The head alone: the answer must not wait for 100 MB that never come.
    stream
        .write_all(b"POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert_eq!(statuses(&text), [413], "{text}");
    assert_eq!(body_json(&text)["error"], "request body too large");
}

#[test]
fn chunked_and_expect_continue_bodies_log_in() {
    let server = TestServer::start(HOST);
    let body =
        serde_json::json!({"username": "PSMonitor", "password": common::PASSWORD}).to_string();
    let (first, second) = body.split_at(10);
    let req = format!(
        "POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let (text, _) = raw_exchange(server.addr, req.as_bytes());
    assert_eq!(statuses(&text), [200], "{text}");
    assert!(body_json(&text)["token"].is_string());

    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!(
        "POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert_eq!(statuses(&text), [200], "{text}");
}

#[test]
fn a_stalled_head_or_body_times_out_with_408() {
    let server = TestServer::start_with(HOST, |cfg| cfg.header_timeout = Duration::from_secs(1));
    for partial in [
        &b"GET /system HTTP/1.1\r\nHost: a\r\n"[..],
        b"POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{\"user",
    ] {
        let started = Instant::now();
        let (text, closed) = raw_exchange(server.addr, partial);
        assert_eq!(statuses(&text), [408], "{text}");
        assert!(closed);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }
    // A connection that sends nothing at all is closed too.
    let (text, closed) = raw_exchange(server.addr, b"");
    assert!(closed, "{text}");
}

/// DESIGN 6.5 on the wire: HEAD answered as GET without the body (the dashboard page and an
/// API route), a `Date` on every answer, and an absolute-form target routed by its path.
#[test]
fn head_date_and_absolute_form() {
    let server = TestServer::start(HOST);
    let bearer = server.bearer();
    let get = format!(
        "GET /system HTTP/1.1\r\nHost: a\r\nAuthorization: {bearer}\r\nConnection: close\r\n\r\n"
    );
    let (get_text, _) = raw_exchange(server.addr, get.as_bytes());
    let head = get.replacen("GET", "HEAD", 1);
    let (head_text, closed) = raw_exchange(server.addr, head.as_bytes());
    assert!(closed);
    let (get_head, get_body) = get_text.split_once("\r\n\r\n").unwrap();
    assert!(
        head_text.ends_with("\r\n\r\n"),
        "no body after HEAD: {head_text}"
    );
    assert!(
        head_text.contains(&format!("Content-Length: {}\r\n", get_body.len())),
        "{head_text}"
    );
    assert!(get_head.contains("\r\nDate: ") && head_text.contains("\r\nDate: "));
    let (page, _) = raw_exchange(
        server.addr,
        b"HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&page), [200], "{page}");
    assert!(
        page.ends_with("\r\n\r\n") && page.contains("text/html"),
        "{page}"
    );

    let absolute = format!(
        "GET http://{}/system HTTP/1.1\r\nHost: {}\r\nAuthorization: {bearer}\r\nConnection: close\r\n\r\n",
        server.addr, server.addr
    );
    let (text, _) = raw_exchange(server.addr, absolute.as_bytes());
    assert_eq!(statuses(&text), [200], "{text}");
    // Errors carry a Date too.
    let (text, _) = raw_exchange(server.addr, b"GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(
        text.contains("\r\nDate: ") && statuses(&text) == [404],
        "{text}"
    );
}

/// RFC 9110 10.1.1: no `100 Continue` to an HTTP/1.0 client, nor before a refusal.
#[test]
fn continue_only_for_http11_and_routed_requests() {
    let server = TestServer::start(HOST);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(
            b"POST /authenticate HTTP/1.0\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
        )
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut first = [0u8; 1];
    assert!(stream.read(&mut first).is_err(), "nothing before the body");
    stream.write_all(b"{}").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert_eq!(statuses(&text), [400], "{text}");
    assert!(!text.contains("100 Continue"));

    let (text, closed) = raw_exchange(
        server.addr,
        b"DELETE /worker HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 9999\r\n\r\n",
    );
    assert_eq!(statuses(&text), [405], "{text}");
    assert!(closed);
}

/// Issue 20 item 9: a bare LF inside a CRLF head (hiding a `Content-Length`) is 400, and chunked
/// trailers are capped (431) instead of read by the hundred thousand; nothing is routed.
#[test]
fn bare_lf_and_endless_trailers_are_refused() {
    let server = TestServer::start(HOST);
    let (text, closed) = raw_exchange(
        server.addr,
        b"POST /authenticate HTTP/1.1\r\nHost: a\r\nX: y\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(statuses(&text), [400], "{text}");
    assert!(
        body_json(&text)["error"]
            .as_str()
            .unwrap()
            .contains("bare lf")
    );
    assert!(closed);
    let trailers: String = (0..2_000).map(|i| format!("T{i}: v\r\n")).collect();
    let req = format!(
        "POST /authenticate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n{trailers}\r\n"
    );
    let (text, closed) = raw_exchange(server.addr, req.as_bytes());
    assert_eq!(statuses(&text), [431], "{text}");
    assert!(closed);
}
