//! The web dashboard through a real socket: the adapter writes each file's own content type and
//! the hub's security headers, passes `If-None-Match` through (304), and JSON stays JSON.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::TestServer;

/// Status, lower-cased headers and body of one raw HTTP/1.1 exchange.
fn exchange(server: &TestServer, head: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!("{head}Host: {}\r\nConnection: close\r\n\r\n", server.addr);
    stream.write_all(request.as_bytes()).expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (top, body) = raw.split_once("\r\n\r\n").expect("head and body");
    let mut lines = top.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_page_and_its_files_come_with_their_types_and_headers() {
    let server = TestServer::start("vm-no-sensors");
    let (status, headers, body) = exchange(&server, "GET / HTTP/1.1\r\n");
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type").is_some_and(|t| t.starts_with("text/html")),
        "{headers:?}"
    );
    assert!(body.contains("/assets/app.js"));
    assert_eq!(
        header(&headers, "content-security-policy"),
        Some(psmonitor_core::hub::CONTENT_SECURITY_POLICY)
    );
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
    let etag = header(&headers, "etag").expect("etag").to_owned();

    let (status, headers, body) = exchange(
        &server,
        &format!("GET / HTTP/1.1\r\nIf-None-Match: {etag}\r\n"),
    );
    assert_eq!(status, 304);
    assert!(body.is_empty(), "{body}");
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()));

    let (status, headers, _) = exchange(&server, "GET /assets/style.css HTTP/1.1\r\n");
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|t| t.starts_with("text/css")));
    let (_, headers, _) = exchange(&server, "GET /assets/app.js HTTP/1.1\r\n");
    assert!(header(&headers, "content-type").is_some_and(|t| t.starts_with("text/javascript")));
}

#[test]
fn json_routes_are_unchanged() {
    let server = TestServer::start("vm-no-sensors");
    for path in ["/system", "/assets/missing.js"] {
        let (status, headers, body) = exchange(&server, &format!("GET {path} HTTP/1.1\r\n"));
        assert!(status == 401 || status == 404, "{path}: {status}");
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&headers, "content-security-policy"), None);
        assert!(body.starts_with("{\"error\":"), "{body}");
    }
}
