//! One client connection: reads request heads and bodies with the core's HTTP/1 framing, under
//! time limits, hands each request to the hub and writes the answers in order (pipelined requests
//! included), until the client or a framing error ends it, or `/connect` turns it into a websocket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};
use psmonitor_core::http1::{
    BodyFraming, ChunkedDecoder, Limits, RequestHead, Version, encode_response, parse_head,
};
use psmonitor_core::hub::{HttpRequest, HttpResponse, error_response};

use crate::driver::{HubMsg, Ids};
use crate::limits::ConnPermit;

/// How long an idle keep-alive connection waits for its next request.
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(60);
/// Bytes read at a time into an empty buffer: most request heads fit, and an idle connection
/// waiting for its first bytes holds no more than this.
const FIRST_READ: usize = 512;
/// Bytes read at a time once a request is arriving.
const READ_CHUNK: usize = 4096;
/// After an error answer, how much of what the client still sends is read (and dropped) so the
/// close does not reset the connection before the client has read the answer.
const LINGER_BYTES: u64 = 64 * 1024;
/// And for how long.
const LINGER_TIME: Duration = Duration::from_secs(1);

/// What every connection shares.
#[derive(Clone, Debug)]
pub(crate) struct ConnShared {
    /// The hub's inbox.
    pub(crate) hub: async_channel::Sender<HubMsg>,
    /// Connection ids for websockets.
    pub(crate) ids: Arc<Ids>,
    /// Head and body size limits.
    pub(crate) limits: Limits,
    /// Time allowed for a request head, and again for its body.
    pub(crate) header_timeout: Duration,
    /// Websocket connections being served, for a graceful shutdown.
    pub(crate) live: Arc<std::sync::atomic::AtomicUsize>,
    /// Whether connections arrive over TLS (workers then get `wss://` URLs).
    pub(crate) tls: bool,
    /// Told of every `/metrics` request, so the collector reads node_exporter-only sources
    /// only while someone scrapes.
    #[cfg(target_os = "linux")]
    pub(crate) node_demand: Option<psmonitor_collector::node::NodeDemand>,
}

/// Why reading from the client stopped.
#[derive(Debug)]
enum ReadEnd {
    /// The client closed, or the socket failed.
    Closed,
    /// The deadline passed.
    TimedOut,
}

/// Reads more bytes into `buf` before `deadline`.
async fn read_more<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<(), ReadEnd> {
    let start = buf.len();
    let chunk = if start == 0 { FIRST_READ } else { READ_CHUNK };
    buf.resize(start + chunk, 0);
    let read = async { Some(stream.read(&mut buf[start..]).await) }
        .or(async {
            async_io::Timer::at(deadline).await;
            None
        })
        .await;
    let result = match read {
        Some(Ok(0)) | Some(Err(_)) => Err(ReadEnd::Closed),
        Some(Ok(n)) => {
            buf.truncate(start + n);
            return Ok(());
        }
        None => Err(ReadEnd::TimedOut),
    };
    buf.truncate(start);
    result
}

/// Serves HTTP on `stream` until it closes; upgrades `/connect` to a websocket.
pub(crate) async fn serve<S>(
    mut stream: S,
    peer: SocketAddr,
    mut permit: ConnPermit,
    shared: ConnShared,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        // The first request's head must come within the header timeout; later ones may wait
        // for the keep-alive idle time before they start.
        let started = Instant::now();
        if buf.is_empty() {
            let idle = if first {
                shared.header_timeout
            } else {
                KEEP_ALIVE_IDLE
            };
            if read_more(&mut stream, &mut buf, started + idle)
                .await
                .is_err()
            {
                return;
            }
        }
        let head_deadline = Instant::now() + shared.header_timeout;
        let (head, len) = loop {
            match parse_head(&buf, &shared.limits) {
                Ok(Some(parsed)) => break parsed,
                Ok(None) => match read_more(&mut stream, &mut buf, head_deadline).await {
                    Ok(()) => {}
                    Err(ReadEnd::TimedOut) => {
                        let answer = error_response(408, "request head not received in time");
                        return refuse(&mut stream, Version::Http11, &answer).await;
                    }
                    Err(ReadEnd::Closed) => return,
                },
                Err(err) => {
                    let answer = error_response(err.status(), &err.to_string());
                    return refuse(&mut stream, version_of(&buf), &answer).await;
                }
            }
        };
        first = false;
        buf.drain(..len);
        if head.path == "/connect" && head.method == "GET" && head.has_token("upgrade", "websocket")
        {
            permit.upgraded();
            return crate::websocket::upgrade(stream, head, buf, peer, shared).await;
        }
        if head.body != BodyFraming::None && head.has_token("expect", "100-continue") {
            let cont = encode_response(head.version, 100, &[], b"", true);
            if stream.write_all(&cont).await.is_err() {
                return;
            }
        }
        let body = match read_body(&mut stream, &mut buf, &head, &shared).await {
            Ok(body) => body,
            Err(Some(answer)) => return refuse(&mut stream, head.version, &answer).await,
            Err(None) => return,
        };
        let keep_alive = head.keep_alive;
        let version = head.version;
        let response = ask_hub(&shared, request(head, body, peer, shared.tls)).await;
        if write_response(&mut stream, version, &response, keep_alive)
            .await
            .is_err()
            || !keep_alive
        {
            let _ = stream.close().await;
            return;
        }
        if buf.is_empty() {
            // Idle between requests: hold no buffer.
            buf = Vec::new();
        }
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

/// Reads the body the head announced, within the header timeout; `Err(Some)` is the answer
/// that refuses it, `Err(None)` a connection that went away.
async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    head: &RequestHead,
    shared: &ConnShared,
) -> Result<Vec<u8>, Option<HttpResponse>> {
    let deadline = Instant::now() + shared.header_timeout;
    let too_slow = || Some(error_response(408, "request body not received in time"));
    match head.body {
        BodyFraming::None => Ok(Vec::new()),
        BodyFraming::Length(n) => {
            // The head check already capped `n` at the body limit.
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            while buf.len() < n {
                match read_more(stream, buf, deadline).await {
                    Ok(()) => {}
                    Err(ReadEnd::TimedOut) => return Err(too_slow()),
                    Err(ReadEnd::Closed) => return Err(None),
                }
            }
            Ok(buf.drain(..n).collect())
        }
        BodyFraming::Chunked => {
            let mut decoder = ChunkedDecoder::new(shared.limits.max_body);
            let mut body = Vec::new();
            loop {
                match decoder.decode(buf, &mut body) {
                    Ok((used, true)) => {
                        buf.drain(..used);
                        return Ok(body);
                    }
                    Ok((used, false)) => {
                        buf.drain(..used);
                    }
                    Err(err) => return Err(Some(error_response(err.status(), &err.to_string()))),
                }
                match read_more(stream, buf, deadline).await {
                    Ok(()) => {}
                    Err(ReadEnd::TimedOut) => return Err(too_slow()),
                    Err(ReadEnd::Closed) => return Err(None),
                }
            }
        }
    }
}

/// The hub's view of a request.
fn request(head: RequestHead, body: Vec<u8>, peer: SocketAddr, secure: bool) -> HttpRequest {
    HttpRequest {
        authorization: head.header("authorization").map(str::to_owned),
        host: head.header("host").map(str::to_owned),
        if_none_match: head.header("if-none-match").map(str::to_owned),
        accept: head.header("accept").map(str::to_owned),
        method: head.method,
        path: head.path,
        query: head.query,
        body,
        peer: peer.ip(),
        secure,
    }
}

/// Sends `request` to the hub and waits for its answer.
pub(crate) async fn ask_hub(shared: &ConnShared, request: HttpRequest) -> HttpResponse {
    tracing::debug!(method = %request.method, path = %request.path, "request");
    #[cfg(target_os = "linux")]
    if request.path == "/metrics"
        && let Some(demand) = &shared.node_demand
    {
        demand.scraped();
    }
    let (reply, response) = async_channel::bounded(1);
    let msg = HubMsg::Request {
        request: Box::new(request),
        reply,
    };
    if shared.hub.send(msg).await.is_err() {
        return error_response(503, "server is shutting down");
    }
    response
        .recv()
        .await
        .unwrap_or_else(|_| error_response(503, "server is shutting down"))
}

/// Writes one response.
pub(crate) async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    version: Version,
    response: &HttpResponse,
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut headers: Vec<(&str, &str)> = response
        .headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    if !response.body.is_empty() {
        headers.push(("Content-Type", response.content_type));
    }
    let bytes = encode_response(
        version,
        response.status,
        &headers,
        response.body.as_bytes(),
        keep_alive,
    );
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Answers with `response` and closes: the write side first, then what the client still sends
/// is read for a moment (up to a small amount), so the answer is not lost to a reset.
pub(crate) async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    version: Version,
    response: &HttpResponse,
) {
    if write_response(stream, version, response, false)
        .await
        .is_err()
    {
        return;
    }
    let _ = stream.close().await;
    let drain = async {
        let _ = futures_lite::io::copy(
            (&mut *stream).take(LINGER_BYTES),
            &mut futures_lite::io::sink(),
        )
        .await;
    };
    drain
        .or(async {
            async_io::Timer::after(LINGER_TIME).await;
        })
        .await;
}
