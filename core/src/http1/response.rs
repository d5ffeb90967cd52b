//! Encoding a response into the bytes that go on the wire.

use std::time::SystemTime;

use super::Version;
use crate::hub::HttpResponse;

/// The reason phrase for a status code.
#[must_use]
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// The bytes of `response`: status line, its headers, `Date` (IMF-fixdate of `date`),
/// `Content-Type` when there is a body, `Content-Length` (unless 1xx, 204 or 304), `Connection:
/// close` or `keep-alive` as `keep_alive` says for `version`, then the body unless `head_only`
/// (the answer to `HEAD` carries the length of the body it leaves out).
#[must_use]
pub fn encode_response(
    response: &HttpResponse,
    version: Version,
    keep_alive: bool,
    head_only: bool,
    date: SystemTime,
) -> Vec<u8> {
    let status = response.status;
    let body = response.body.as_bytes();
    let mut out = Vec::with_capacity(200 + body.len());
    let proto = match version {
        Version::Http10 => "HTTP/1.0",
        Version::Http11 => "HTTP/1.1",
    };
    out.extend_from_slice(format!("{proto} {status} {}\r\n", reason(status)).as_bytes());
    let mut header = |name: &str, value: &str| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    header("Date", &httpdate::fmt_http_date(date));
    for (name, value) in &response.headers {
        header(name, value);
    }
    if !body.is_empty() {
        header("Content-Type", response.content_type);
    }
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless {
        header("Content-Length", &body.len().to_string());
    }
    if status != 101 {
        match (keep_alive, version) {
            (false, _) => header("Connection", "close"),
            (true, Version::Http10) => header("Connection", "keep-alive"),
            (true, Version::Http11) => {}
        }
    }
    out.extend_from_slice(b"\r\n");
    if !head_only && !bodiless {
        out.extend_from_slice(body);
    }
    out
}
