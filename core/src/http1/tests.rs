use super::*;

fn parse(text: &str) -> Result<Option<(RequestHead, usize)>, HeadError> {
    parse_head(text.as_bytes(), &Limits::default())
}

fn head(text: &str) -> RequestHead {
    parse(text).unwrap().unwrap().0
}

#[test]
fn a_simple_get() {
    let text =
        "GET /system?x=1 HTTP/1.1\r\nHost: 127.0.0.1:4500\r\nAuthorization: Bearer t\r\n\r\n";
    let (h, len) = parse(text).unwrap().unwrap();
    assert_eq!(len, text.len());
    assert_eq!(h.method, "GET");
    assert_eq!(h.path, "/system");
    assert_eq!(h.query.as_deref(), Some("x=1"));
    assert_eq!(h.header("authorization"), Some("Bearer t"));
    assert_eq!(h.body, BodyFraming::None);
    assert!(h.keep_alive);
}

#[test]
fn partial_heads_ask_for_more() {
    assert_eq!(parse("GET /system HTTP/1.1\r\nHost: a\r\n"), Ok(None));
    assert_eq!(parse("GE"), Ok(None));
}

#[test]
fn pipelined_requests_split_at_the_head() {
    let one = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    let two = format!("{one}GET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    let (h, len) = parse(&two).unwrap().unwrap();
    assert_eq!((h.path.as_str(), len), ("/a", one.len()));
    assert_eq!(parse(&two[len..]).unwrap().unwrap().0.path, "/b");
}

#[test]
fn http10_closes_unless_asked_and_needs_no_host() {
    let h = head("GET /system HTTP/1.0\r\n\r\n");
    assert_eq!(h.version, Version::Http10);
    assert!(!h.keep_alive);
    assert!(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
    assert!(!head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
}

#[test]
fn host_rules() {
    assert_eq!(
        parse("GET / HTTP/1.1\r\n\r\n").unwrap_err(),
        HeadError::MissingHost
    );
    for host in ["127.0.0.1/system#", "a?b", "user@host", "a#b", "a b"] {
        let text = format!("GET /nothing HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(parse(&text).unwrap_err(), HeadError::Host, "{host}");
    }
    assert_eq!(
        parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").unwrap_err(),
        HeadError::Host
    );
    assert!(parse("GET / HTTP/1.1\r\nHost: [::1]:4500\r\n\r\n").is_ok());
}

#[test]
fn targets_must_be_paths_or_absolute_urls() {
    for target in [
        "system",
        "/a#frag",
        "ftp://a/system",
        "http://user@a/system",
        "http:///x",
    ] {
        let text = format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(parse(&text).unwrap_err(), HeadError::Target, "{target}");
    }
    assert_eq!(head("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path, "*");
    let bad = b"GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_eq!(
        parse_head(bad, &Limits::default()).unwrap_err(),
        HeadError::TargetEncoding
    );
}

/// RFC 9112 3.2.2: absolute-form is accepted, and its authority replaces `Host`.
#[test]
fn absolute_form_targets_use_their_authority() {
    let h = head("GET http://example.org:4500/system?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_eq!(
        (h.path.as_str(), h.query.as_deref()),
        ("/system", Some("x=1"))
    );
    assert_eq!(h.header("host"), Some("example.org:4500"));
    let h = head("GET HTTPS://[::1]:4500 HTTP/1.1\r\nHost: [::1]:4500\r\n\r\n");
    assert_eq!(
        (h.path.as_str(), h.header("host")),
        ("/", Some("[::1]:4500"))
    );
    let h = head("GET http://a?q HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((h.path.as_str(), h.query.as_deref()), ("/", Some("q")));
}

#[test]
fn framing_ambiguities_are_refused() {
    let cases = [
        (
            "Content-Length: 5\r\nTransfer-Encoding: chunked",
            HeadError::LengthAndEncoding,
        ),
        (
            "Transfer-Encoding: gzip, chunked",
            HeadError::TransferEncoding,
        ),
        (
            "Transfer-Encoding: chunked, chunked",
            HeadError::TransferEncoding,
        ),
        (
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
            HeadError::TransferEncoding,
        ),
        ("Transfer-Encoding: identity", HeadError::TransferEncoding),
        ("Content-Length: -1", HeadError::ContentLength),
        ("Content-Length: +5", HeadError::ContentLength),
        (
            "Content-Length: 18446744073709551616",
            HeadError::ContentLength,
        ),
        ("Content-Length: 0x10", HeadError::ContentLength),
        ("Content-Length:", HeadError::ContentLength),
        (
            "Content-Length: 5\r\nContent-Length: 6",
            HeadError::ConflictingLength,
        ),
        ("Content-Length: 5, 6", HeadError::ConflictingLength),
        ("Content-Length: 100000000", HeadError::BodyTooLarge),
    ];
    for (headers, want) in cases {
        let text = format!("POST /authenticate HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\n");
        assert_eq!(parse(&text).unwrap_err(), want, "{headers}");
    }
    let te10 = "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(parse(te10).unwrap_err(), HeadError::TransferEncoding);
}

#[test]
fn identical_lengths_and_chunked_are_fine() {
    let h = head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(h.body, BodyFraming::Length(5));
    let h = head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
    assert_eq!(h.body, BodyFraming::Chunked);
    let h = head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(h.body, BodyFraming::None);
}

#[test]
fn size_limits_have_their_statuses() {
    let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(9000));
    let err = parse(&long).unwrap_err();
    assert_eq!((err, err.status()), (HeadError::TargetTooLong, 414));
    // Still no line end, but already over the limit: refused before the rest arrives.
    assert_eq!(
        parse(&format!("GET /{}", "a".repeat(9000))).unwrap_err(),
        HeadError::TargetTooLong
    );
    let big = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n", "b".repeat(17000));
    let err = parse(&big).unwrap_err();
    assert_eq!((err, err.status()), (HeadError::HeadTooLarge, 431));
    let many: String = (0..70).map(|i| format!("X-{i}: v\r\n")).collect();
    let err = parse(&format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n")).unwrap_err();
    assert_eq!((err, err.status()), (HeadError::TooManyHeaders, 431));
    assert_eq!(HeadError::BodyTooLarge.status(), 413);
}

#[test]
fn garbage_is_malformed() {
    for text in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\x7c\x03\x03\r\n\r\n"[..],
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / FOO\r\n\r\n",
        b"G\0T / HTTP/1.1\r\n\r\n",
    ] {
        let err = parse_head(text, &Limits::default()).unwrap_err();
        assert_eq!((err, err.status()), (HeadError::Malformed, 400), "{text:?}");
    }
}

#[test]
fn chunked_bodies_decode_in_pieces() {
    let wire = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    for split in 0..wire.len() {
        let mut dec = ChunkedDecoder::new(100);
        let mut out = Vec::new();
        let (used, done) = dec.decode(&wire[..split], &mut out).unwrap();
        assert!(!done || split >= wire.len() - 4);
        let mut rest = wire[used..].to_vec();
        let (used2, done) = dec.decode(&rest, &mut out).unwrap();
        assert!(done, "split {split}");
        rest.drain(..used2);
        assert_eq!(out, b"Wikipedia");
        assert_eq!(rest, b"NEXT");
    }
}

#[test]
fn chunked_errors() {
    let mut out = Vec::new();
    let err = ChunkedDecoder::new(4)
        .decode(b"5\r\nhello\r\n0\r\n\r\n", &mut out)
        .unwrap_err();
    assert_eq!((err, err.status()), (ChunkedError::TooLarge, 413));
    for bad in [&b"zz\r\n"[..], b"4\r\nWikiXX", b"ffffffffffffffffff\r\n"] {
        let err = ChunkedDecoder::new(100).decode(bad, &mut out).unwrap_err();
        assert_eq!(err, ChunkedError::Malformed, "{bad:?}");
    }
}

/// Found by review beside the `http1_chunked` fuzz target: after a first chunk, a size near
/// `u64::MAX` overflowed the limit check (a panic in debug builds; in release it wrapped, and
/// the huge chunk was accepted past the body limit).
#[test]
fn a_chunk_size_near_u64_max_after_data_is_too_large() {
    for size in ["ffffffffffffffff", "fffffffffffffffe", "8000000000000000"] {
        let wire = format!("1\r\nx\r\n{size}\r\nabc");
        let mut out = Vec::new();
        let err = ChunkedDecoder::new(100)
            .decode(wire.as_bytes(), &mut out)
            .unwrap_err();
        assert_eq!(err, ChunkedError::TooLarge, "{size}");
        assert_eq!(out, b"x");
    }
}

fn date() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000)
}

fn response(status: u16, body: &str) -> crate::hub::HttpResponse {
    crate::hub::HttpResponse {
        status,
        headers: vec![("X-A", "b".to_owned())],
        body: body.into(),
        content_type: "application/json",
    }
}

#[test]
fn responses_encode_with_date_length_and_connection() {
    let bytes = encode_response(&response(200, "{}"), Version::Http11, true, false, date());
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nX-A: b\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    );
    let bytes = encode_response(&response(400, "x"), Version::Http10, false, false, date());
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.0 400 Bad Request\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nX-A: b\r\n\
         Content-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
    );
    let bytes = encode_response(&response(204, ""), Version::Http10, true, false, date());
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.0 204 No Content\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nX-A: b\r\n\
         Connection: keep-alive\r\n\r\n"
    );
}

#[test]
fn head_answers_carry_the_length_but_not_the_body() {
    let bytes = encode_response(&response(200, "{}"), Version::Http11, true, true, date());
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with("Content-Length: 2\r\n\r\n"), "{text}");
}

/// Issue 20 item 9: a bare LF inside a CRLF head could hide a header (here a Content-Length)
/// from a proxy that splits lines only at CRLF.
#[test]
fn a_bare_lf_inside_a_crlf_head_is_refused() {
    let hidden = "POST /authenticate HTTP/1.1\r\nHost: a\r\nX: y\nContent-Length: 5\r\n\r\nhello";
    let err = parse(hidden).unwrap_err();
    assert_eq!((err, err.status()), (HeadError::BareLineFeed, 400));
    // All-LF heads stay accepted (RFC 9112 2.2), and so do all-CRLF ones.
    assert!(parse("GET / HTTP/1.1\nHost: a\n\n").unwrap().is_some());
    assert!(
        parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap()
            .is_some()
    );
}

/// Issue 20 item 9: trailers are capped in count and in bytes (before, 100,000 lines were read).
#[test]
fn chunked_trailers_are_capped() {
    let many: String = (0..=MAX_TRAILERS).map(|i| format!("T{i}: v\r\n")).collect();
    let long = format!("T: {}\r\n", "v".repeat(MAX_TRAILER_BYTES));
    let partial = format!("T: {}", "v".repeat(MAX_TRAILER_BYTES + 1));
    for trailers in [many, long, partial] {
        let wire = format!("1\r\nx\r\n0\r\n{trailers}\r\n");
        let mut out = Vec::new();
        let err = ChunkedDecoder::new(100)
            .decode(wire.as_bytes(), &mut out)
            .unwrap_err();
        assert_eq!((err, err.status()), (ChunkedError::Trailers, 431));
    }
    let fine: String = (0..MAX_TRAILERS).map(|i| format!("T{i}: v\r\n")).collect();
    let wire = format!("1\r\nx\r\n0\r\n{fine}\r\n");
    let mut out = Vec::new();
    let done = ChunkedDecoder::new(100)
        .decode(wire.as_bytes(), &mut out)
        .unwrap();
    assert_eq!(done, (wire.len(), true));
}
