//! Just enough HTTP/1.1 for the three PSMonitor calls, over TCP or TLS ([`Stream`]).
//!
//! [`Client`](crate::Client) opens one connection per call: it makes about one call a second, so
//! keeping connections would buy nothing (over TLS, the client's shared rustls configuration
//! resumes the session, so a call after the first costs no full handshake). [`HttpConnection`] keeps its connection between
//! requests for callers that measure the server's answer, not TCP setup (the load generator).
//! Responses are parsed with `httparse`; bodies are read by `Content-Length`, as chunks, or to
//! the end of the stream, and capped.

use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use psmonitor_core::http1::ChunkedDecoder;
use psmonitor_tls::{ClientTrust, TlsClient};
use zeroize::Zeroizing;

use crate::error::ClientError;
use crate::stream::{self, Stream};
use crate::url::Endpoint;

/// Time allowed for the TCP connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole request and response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest response head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Largest response body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Wait used when a 429 has no usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Status and body of one response.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// `Retry-After` in seconds, when present and numeric.
    pub retry_after: Option<Duration>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The `error` text of a JSON error body, else the body itself, shortened.
    pub fn error_text(&self) -> String {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&self.body).ok();
        match parsed.as_ref().and_then(|v| v["error"].as_str()) {
            Some(text) => text.to_owned(),
            None => String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
        }
    }

    /// The 429 error this reply stands for.
    pub fn rate_limited(&self) -> ClientError {
        ClientError::RateLimited {
            retry_after: self.retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        }
    }

    /// A protocol error for an unexpected status on `what`.
    pub fn unexpected(&self, what: &str) -> ClientError {
        ClientError::Status {
            what: what.to_owned(),
            status: self.status,
            message: self.error_text(),
        }
    }
}

/// Races `fut` against a timer; on timeout, an unreachable error naming `what`.
pub(crate) async fn deadline<T>(
    limit: Duration,
    what: String,
    fut: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    futures_lite::future::or(fut, async move {
        smol::Timer::after(limit).await;
        Err(ClientError::unreachable(
            what,
            format!("no answer within {}s", limit.as_secs()),
        ))
    })
    .await
}

/// The TLS client for `ep` under `trust`; `None` for a plain `http://` server.
pub(crate) fn tls_for(
    ep: &Endpoint,
    trust: &ClientTrust,
) -> Result<Option<TlsClient>, ClientError> {
    if !ep.tls {
        return Ok(None);
    }
    trust
        .client(&ep.host, ep.port)
        .map(Some)
        .map_err(|e| ClientError::TlsSetup(e.to_string()))
}

/// Sends one request on a connection of its own and reads the whole response.
pub(crate) async fn request(
    ep: &Endpoint,
    tls: Option<&TlsClient>,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&[u8]>,
) -> Result<Reply, ClientError> {
    HttpConnection::with_tls(ep.clone(), tls.cloned())
        .request(method, path, bearer, body)
        .await
}

/// One HTTP/1.1 connection to the server, kept open between requests until the server closes it
/// or a request fails (the next request then connects again).
#[derive(Debug)]
pub struct HttpConnection {
    ep: Endpoint,
    /// The TLS client for an `https://` server, or why there is none.
    tls: Result<Option<TlsClient>, ClientError>,
    stream: Option<Stream>,
}

impl HttpConnection {
    /// A connection to `ep`, trusting the system store for an `https://` server; nothing is sent
    /// until the first request.
    pub fn new(ep: Endpoint) -> Self {
        Self::with_trust(ep, &ClientTrust::default())
    }

    /// A connection to `ep` with `trust` for an `https://` server; a trust that cannot be set up
    /// (e.g. an unreadable CA file) is the error of every request.
    pub fn with_trust(ep: Endpoint, trust: &ClientTrust) -> Self {
        let tls = tls_for(&ep, trust);
        Self {
            ep,
            tls,
            stream: None,
        }
    }

    /// A connection to `ep` through an already set-up TLS client (`None` for `http://`).
    pub fn with_tls(ep: Endpoint, tls: Option<TlsClient>) -> Self {
        Self {
            ep,
            tls: Ok(tls),
            stream: None,
        }
    }

    /// Sends one request and reads the whole response, within 15 s.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<Reply, ClientError> {
        let what = format!("{method} {}{path}", self.ep.http_url());
        let result = deadline(
            REQUEST_TIMEOUT,
            what,
            self.exchange(method, path, bearer, body),
        )
        .await;
        if !matches!(result, Ok((_, true))) {
            self.stream = None;
        }
        result.map(|(reply, _)| reply)
    }

    /// The reply, and whether the connection may carry another request.
    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<(Reply, bool), ClientError> {
        let stream = match &mut self.stream {
            Some(stream) => stream,
            None => {
                let tls = self.tls.clone()?;
                self.stream
                    .insert(stream::open_stream(&self.ep, tls.as_ref()).await?)
            }
        };
        send(stream, &self.ep, method, path, bearer, body).await?;
        read_reply(stream).await.map_err(|e| match e {
            ReadError::Io(e) => lost(&self.ep, e),
            ReadError::Bad(why) => ClientError::Protocol(format!(
                "invalid http response from {}: {why}",
                self.ep.http_url()
            )),
        })
    }
}

fn lost(ep: &Endpoint, e: std::io::Error) -> ClientError {
    ClientError::unreachable(ep.http_url(), format!("connection lost: {e}"))
}

async fn send(
    stream: &mut Stream,
    ep: &Endpoint,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&[u8]>,
) -> Result<(), ClientError> {
    // The head may carry a token: keep it in memory that is wiped after use.
    let mut head = Zeroizing::new(String::with_capacity(256));
    head.push_str(&format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: psmonitor-client/{}\r\n",
        ep.target(path),
        ep.authority(),
        env!("CARGO_PKG_VERSION"),
    ));
    if let Some(token) = bearer {
        head.push_str("Authorization: Bearer ");
        head.push_str(token);
        head.push_str("\r\n");
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let io = |e: std::io::Error| lost(ep, e);
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    stream.write_all(body).await.map_err(io)?;
    stream.flush().await.map_err(io)
}

enum ReadError {
    Io(std::io::Error),
    Bad(String),
}

/// How the body's end is found.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Reads one response; the flag says whether the connection may carry another request.
async fn read_reply(stream: &mut Stream) -> Result<(Reply, bool), ReadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let (status, retry_after, framing, head_len, close) = loop {
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            let reset = std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before a response",
            );
            return Err(ReadError::Io(reset));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head) = parse_head(&buf)? {
            break head;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Bad("response head too large".into()));
        }
    };
    let mut body = buf.split_off(head_len);
    // Chunked: the core's decoder takes the bytes as they come; `body` keeps only what it has
    // not consumed yet (a partial size line), so decoding stays linear in the body's size.
    let mut chunked = ChunkedDecoder::new(MAX_BODY);
    let mut decoded = Vec::new();
    loop {
        let done = match framing {
            Framing::Length(len) => (body.len() >= len).then(|| body[..len].to_vec()),
            Framing::Chunked => {
                let (used, complete) = chunked
                    .decode(&body, &mut decoded)
                    .map_err(|e| ReadError::Bad(format!("chunked response: {e}")))?;
                body.drain(..used);
                complete.then(|| std::mem::take(&mut decoded))
            }
            Framing::UntilClose => None,
        };
        if let Some(body) = done {
            let reply = Reply {
                status,
                retry_after,
                body,
            };
            return Ok((reply, !close));
        }
        if body.len() > MAX_BODY {
            return Err(ReadError::Bad("response body too large".into()));
        }
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            return match framing {
                Framing::UntilClose => Ok((
                    Reply {
                        status,
                        retry_after,
                        body,
                    },
                    false,
                )),
                _ => Err(ReadError::Bad("response body cut short".into())),
            };
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

/// Status, `Retry-After`, body framing, head length, and whether the server closes afterwards.
type Head = (u16, Option<Duration>, Framing, usize, bool);

fn parse_head(buf: &[u8]) -> Result<Option<Head>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut res = httparse::Response::new(&mut headers);
    let len = match res.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ReadError::Bad(e.to_string())),
    };
    let status = res.code.unwrap_or_default();
    let mut retry_after = None;
    let mut framing = Framing::UntilClose;
    let mut close = false;
    for h in res.headers.iter() {
        let value = std::str::from_utf8(h.value).unwrap_or_default().trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            let len = value
                .parse::<usize>()
                .map_err(|_| ReadError::Bad(format!("bad content-length {value:?}")))?;
            if len > MAX_BODY {
                return Err(ReadError::Bad("response body too large".into()));
            }
            if !matches!(framing, Framing::Chunked) {
                framing = Framing::Length(len);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            framing = Framing::Chunked;
        } else if h.name.eq_ignore_ascii_case("retry-after") {
            retry_after = value.parse::<u64>().ok().map(Duration::from_secs);
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = value.to_ascii_lowercase().contains("close");
        }
    }
    if (100..200).contains(&status) || status == 204 || status == 304 {
        framing = Framing::Length(0);
    }
    let close = close || matches!(framing, Framing::UntilClose);
    Ok(Some((status, retry_after, framing, len, close)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_length_and_retry_after() {
        let head =
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}";
        let Ok(Some((status, retry, Framing::Length(2), len, close))) = parse_head(head) else {
            panic!("head not parsed");
        };
        assert_eq!(
            (status, retry, len, close),
            (429, Some(Duration::from_secs(7)), head.len() - 2, false)
        );
        let closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(
            parse_head(closing),
            Ok(Some((200, _, _, _, true)))
        ));
        let until_close = b"HTTP/1.1 200 OK\r\n\r\n";
        assert!(matches!(
            parse_head(until_close),
            Ok(Some((_, _, Framing::UntilClose, _, true)))
        ));
        assert!(matches!(parse_head(b"HTTP/1.1 200 OK\r\n"), Ok(None)));
        assert!(matches!(
            parse_head(b"garbage\r\n\r\n"),
            Err(ReadError::Bad(_))
        ));
    }
}
