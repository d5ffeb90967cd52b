//! The request head: parsed by `httparse`, then checked for everything that could make two
//! parsers (ours and a proxy's) disagree about where a request ends or what it targets.

/// Size limits for a request head and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest request line, in bytes (414 past it).
    pub max_request_line: usize,
    /// The largest head, request line and headers included (431 past it).
    pub max_head: usize,
    /// The most headers (431 past it).
    pub max_headers: usize,
    /// The largest body (413 past it).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_line: 8 * 1024,
            max_head: 16 * 1024,
            max_headers: 64,
            max_body: 16 * 1024,
        }
    }
}

/// The protocol version of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: the connection closes after the response unless asked to stay open.
    Http10,
    /// HTTP/1.1: the connection stays open unless asked to close.
    Http11,
}

/// How the body of a request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A checked request head.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, as sent (methods are case-sensitive).
    pub method: String,
    /// The path, starting with `/`, or `*` for a server-wide `OPTIONS`.
    pub path: String,
    /// The query without `?`, if any.
    pub query: Option<String>,
    /// The protocol version.
    pub version: Version,
    /// Headers with lower-case names, in the order sent; values that are not UTF-8 are dropped.
    pub headers: Vec<(String, String)>,
    /// How the body is delimited.
    pub body: BodyFraming,
    /// Whether the connection may serve another request after this one.
    pub keep_alive: bool,
}

impl std::fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Queries carry worker ids and headers carry tokens: show neither.
        f.debug_struct("RequestHead")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("version", &self.version)
            .field("headers", &self.headers.len())
            .field("body", &self.body)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl RequestHead {
    /// The first value of the header `name` (lower case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the comma-separated header `name` lists `token` (case-insensitive).
    #[must_use]
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Why a request head was refused; [`HeadError::status`] is the status to answer with, and the
/// connection is closed after the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// Not HTTP/1.x, or bytes where a token or line end must be.
    #[error("malformed request head")]
    Malformed,
    /// The request line is longer than the limit.
    #[error("request target too long")]
    TargetTooLong,
    /// The head is larger than the limit.
    #[error("request head too large")]
    HeadTooLarge,
    /// More headers than the limit.
    #[error("too many request headers")]
    TooManyHeaders,
    /// The target is neither a path, nor an `http` URL with a plain host, nor `*` for `OPTIONS`.
    #[error("request target must be a path starting with / or an http url")]
    Target,
    /// The target is not UTF-8.
    #[error("request target is not valid utf-8")]
    TargetEncoding,
    /// HTTP/1.1 without a `Host` header.
    #[error("missing host header")]
    MissingHost,
    /// More than one `Host`, or one that is not a bare host and port.
    #[error("invalid host header")]
    Host,
    /// Both `Content-Length` and `Transfer-Encoding`.
    #[error("content-length and transfer-encoding together are ambiguous")]
    LengthAndEncoding,
    /// A transfer coding other than one `chunked`, or any in HTTP/1.0.
    #[error("unsupported transfer-encoding: only chunked is accepted")]
    TransferEncoding,
    /// A `Content-Length` that is not a non-negative decimal number that fits in 64 bits.
    #[error("invalid content-length")]
    ContentLength,
    /// Several `Content-Length` values that differ.
    #[error("conflicting content-length headers")]
    ConflictingLength,
    /// A declared body larger than the limit.
    #[error("request body too large")]
    BodyTooLarge,
    /// A bare LF in a head whose lines end in CRLF: two parsers could split it differently.
    #[error("bare lf in a head whose lines end in crlf")]
    BareLineFeed,
}

impl HeadError {
    /// The HTTP status that answers this error.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::TargetTooLong => 414,
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::BodyTooLarge => 413,
            _ => 400,
        }
    }
}

/// Parses the head at the start of `buf`: `Ok(None)` when more bytes are needed, else the head
/// and its length in bytes (the body or the next request starts there).
pub fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<(RequestHead, usize)>, HeadError> {
    let line_end = buf.iter().position(|&b| b == b'\n');
    if line_end.unwrap_or(buf.len()) > limits.max_request_line {
        return Err(HeadError::TargetTooLong);
    }
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if buf.len() > limits.max_head {
                Err(HeadError::HeadTooLarge)
            } else {
                Ok(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        // httparse refuses a target that is not UTF-8 as a bad token: say what it was.
        Err(_)
            if buf[..line_end.unwrap_or(buf.len())]
                .iter()
                .any(|&b| b >= 0x80) =>
        {
            return Err(HeadError::TargetEncoding);
        }
        Err(_) => return Err(HeadError::Malformed),
    };
    if len > limits.max_head {
        return Err(HeadError::HeadTooLarge);
    }
    if mixed_line_ends(&buf[..len]) {
        return Err(HeadError::BareLineFeed);
    }
    let method = req.method.ok_or(HeadError::Malformed)?.to_owned();
    let version = match req.version {
        Some(0) => Version::Http10,
        Some(1) => Version::Http11,
        _ => return Err(HeadError::Malformed),
    };
    let target = req.path.ok_or(HeadError::Malformed)?;
    let (path, query) = split_target(target, &method)?;
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter_map(|h| {
            let value = std::str::from_utf8(h.value).ok()?;
            Some((h.name.to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    check_host(&headers, req.headers, version)?;
    if let Some((authority, _)) = absolute_form(target) {
        // RFC 9112 3.2.2: the target's authority replaces the Host header.
        // RFC 9110 4.2.4: userinfo in the target is an error (`@` is not a host character).
        if authority.is_empty() || !host_chars_ok(authority) {
            return Err(HeadError::Target);
        }
        headers.retain(|(n, _)| n != "host");
        headers.push(("host".to_owned(), authority.to_owned()));
    }
    let body = framing(req.headers, version, limits)?;
    let mut head = RequestHead {
        method,
        path,
        query,
        version,
        headers,
        body,
        keep_alive: false,
    };
    head.keep_alive = match version {
        Version::Http11 => !head.has_token("connection", "close"),
        Version::Http10 => head.has_token("connection", "keep-alive"),
    };
    Ok(Some((head, len)))
}

/// The authority of an absolute-form target (`http://host:port/path`, RFC 9112 3.2.2) and the
/// origin-form rest; `None` when the target is not in absolute form.
fn absolute_form(target: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = target.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    Some(match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    })
}

/// Splits an origin-form target into path and query; `*` only for `OPTIONS`.
fn split_target(target: &str, method: &str) -> Result<(String, Option<String>), HeadError> {
    if target == "*" && method == "OPTIONS" {
        return Ok(("*".to_owned(), None));
    }
    let target = match absolute_form(target) {
        Some((_, "")) => "/",
        Some((_, rest)) if rest.starts_with('?') => {
            return split_target(&format!("/{rest}"), method);
        }
        Some((_, rest)) => rest,
        None => target,
    };
    if !target.starts_with('/') {
        return Err(HeadError::Target);
    }
    // A fragment never belongs in a request target.
    if target.contains('#') {
        return Err(HeadError::Target);
    }
    Ok(match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    })
}

/// One `Host` on HTTP/1.1 (at most one on 1.0), holding a host and optional port only: a `/`,
/// `?`, `#` or `@` in it would let a URL built from it point somewhere else.
fn check_host(
    headers: &[(String, String)],
    raw: &[httparse::Header<'_>],
    version: Version,
) -> Result<(), HeadError> {
    let raw_hosts = raw
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("host"))
        .count();
    let hosts: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "host")
        .map(|(_, v)| v.as_str())
        .collect();
    if raw_hosts != hosts.len() || hosts.len() > 1 {
        return Err(HeadError::Host);
    }
    match hosts.first() {
        None if version == Version::Http11 => Err(HeadError::MissingHost),
        None => Ok(()),
        Some(host) if host_chars_ok(host) => Ok(()),
        Some(_) => Err(HeadError::Host),
    }
}

/// A host and optional port, nothing else.
fn host_chars_ok(host: &str) -> bool {
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']' | b'_'))
}

/// The body's framing from `Content-Length` and `Transfer-Encoding`, refusing every ambiguity.
fn framing(
    raw: &[httparse::Header<'_>],
    version: Version,
    limits: &Limits,
) -> Result<BodyFraming, HeadError> {
    let mut codings = Vec::new();
    let mut length: Option<u64> = None;
    let mut saw_length = false;
    for h in raw {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            let value = std::str::from_utf8(h.value).map_err(|_| HeadError::TransferEncoding)?;
            codings.extend(value.split(',').map(|c| c.trim().to_ascii_lowercase()));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            saw_length = true;
            let value = std::str::from_utf8(h.value).map_err(|_| HeadError::ContentLength)?;
            for part in value.split(',') {
                let n = parse_length(part.trim())?;
                match length {
                    Some(seen) if seen != n => return Err(HeadError::ConflictingLength),
                    _ => length = Some(n),
                }
            }
        }
    }
    if !codings.is_empty() {
        if saw_length {
            return Err(HeadError::LengthAndEncoding);
        }
        if version == Version::Http10 || codings != ["chunked"] {
            return Err(HeadError::TransferEncoding);
        }
        return Ok(BodyFraming::Chunked);
    }
    match length {
        None | Some(0) => Ok(BodyFraming::None),
        Some(n) if n > limits.max_body as u64 => Err(HeadError::BodyTooLarge),
        Some(n) => Ok(BodyFraming::Length(n)),
    }
}

/// `1*DIGIT` that fits in a u64: no sign, no spaces, no hex.
fn parse_length(text: &str) -> Result<u64, HeadError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HeadError::ContentLength);
    }
    text.parse().map_err(|_| HeadError::ContentLength)
}

/// Whether `head` ends some lines in CRLF and others in a bare LF (RFC 9112 2.2 lets a
/// recipient take a bare LF as a line end; mixed in a CRLF head it could hide a header).
fn mixed_line_ends(head: &[u8]) -> bool {
    let mut crlf = false;
    let mut bare = false;
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            if i > 0 && head[i - 1] == b'\r' {
                crlf = true;
            } else {
                bare = true;
            }
        }
    }
    crlf && bare
}
