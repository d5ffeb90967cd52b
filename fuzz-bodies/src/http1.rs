//! `core::http1`: the request-head parser and the chunked body decoder.

use psmonitor_core::http1::{BodyFraming, ChunkedDecoder, Limits, parse_head};

/// Small limits, so short inputs reach the limit checks too.
const SMALL: Limits = Limits {
    max_request_line: 64,
    max_head: 256,
    max_headers: 4,
    max_body: 100,
};

/// Parses `data` as a request head under the default and small limits.
///
/// A parsed head's length is within the input and the head limit, its path is a path (or `*`),
/// its framing within the body limit, and the head alone (and anything after it) parses the same;
/// every strict prefix of it is incomplete, never refused, so a byte-by-byte reader agrees.
pub fn http1_head(data: &[u8]) {
    for limits in [Limits::default(), SMALL] {
        let Ok(Some((head, used))) = parse_head(data, &limits) else {
            if let Err(err) = parse_head(data, &limits) {
                assert!(matches!(err.status(), 400 | 413 | 414 | 431), "{err:?}");
            }
            continue;
        };
        assert!(used > 0 && used <= data.len() && used <= limits.max_head);
        assert!(head.path.starts_with('/') || (head.path == "*" && head.method == "OPTIONS"));
        assert!(!head.path.contains('?') && !head.path.contains('#'));
        if let BodyFraming::Length(n) = head.body {
            assert!(n > 0 && n <= limits.max_body as u64);
        }
        for (name, _) in &head.headers {
            assert_eq!(name, &name.to_ascii_lowercase());
        }
        let alone = parse_head(&data[..used], &limits).expect("the head alone parses");
        assert_eq!(alone, Some((head.clone(), used)));
        for cut in [used - 1, used / 2] {
            assert_eq!(
                parse_head(&data[..cut], &limits),
                Ok(None),
                "a prefix of {cut} bytes of a {used}-byte head is refused"
            );
        }
    }
}

/// Decodes `data[1..]` as a chunked body in one call and again fed in pieces (sizes from
/// `data[0]`), keeping unconsumed bytes as a connection does; both must agree on the outcome, the
/// decoded bytes and where the body ends, and the body stays within its limit.
pub fn http1_chunked(data: &[u8]) {
    let (seed, input) = crate::selector(data);
    let max_body = 64 + usize::from(seed & 0x0f) * 64;
    let mut whole = ChunkedDecoder::new(max_body);
    let mut whole_out = Vec::new();
    let whole_result = whole.decode(input, &mut whole_out);
    if let Ok((used, _)) = whole_result {
        assert!(used <= input.len());
    }
    assert!(whole_out.len() <= max_body, "decoded past the limit");

    let piece = 1 + usize::from(seed >> 4);
    let mut decoder = ChunkedDecoder::new(max_body);
    let mut out = Vec::new();
    let mut buffered: Vec<u8> = Vec::new();
    let mut consumed = 0;
    let mut result = Ok((0, false));
    for chunk in input.chunks(piece) {
        buffered.extend_from_slice(chunk);
        result = decoder.decode(&buffered, &mut out);
        match result {
            Ok((used, done)) => {
                assert!(used <= buffered.len());
                buffered.drain(..used);
                consumed += used;
                if done {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    assert!(out.len() <= max_body, "decoded past the limit in pieces");
    match (whole_result, result) {
        (Ok((used, true)), Ok((_, true))) => {
            assert_eq!(used, consumed, "the body ends elsewhere when fed in pieces");
            assert_eq!(whole_out, out);
        }
        (Ok((_, false)), Ok((_, false))) => assert_eq!(whole_out, out),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("whole {a:?} but in pieces {b:?}"),
    }
}
