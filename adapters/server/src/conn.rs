//! One client connection: moves bytes between the socket and the core's HTTP/1 state machine
//! ([`Connection`]), hands its requests to the hub, and arms the timer it asks for. Every rule
//! (keep-alive, pipelining, deadlines, `100-continue`, close) is the core's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_channel::Receiver;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};
use psmonitor_core::http1::{
    CloseReason, ConnConfig, Connection, Input, LINGER_TIME, Output, Version, encode_response,
};
use psmonitor_core::hub::{HttpRequest, HttpResponse, error_response};

use crate::driver::{HubCell, HubMsg, Ids, now};

#[cfg(target_os = "linux")]
pub(crate) mod sock;
/// Off Linux a connection is async-net's stream as it is (`write(2)`, no `send(2)` path).
#[cfg(not(target_os = "linux"))]
pub(crate) mod sock {
    /// The accepted TCP connection.
    pub(crate) type Sock = async_net::TcpStream;
}
use crate::limits::ConnPermit;

/// What every connection shares.
#[derive(Clone, Debug)]
pub(crate) struct ConnShared {
    /// The hub's inbox.
    pub(crate) hub: async_channel::Sender<HubMsg>,
    /// The hub itself, for a request to be handled on this thread when it is free and nothing
    /// waits in its inbox (`None`: always through the inbox).
    pub(crate) cell: Option<Arc<HubCell>>,
    /// Connection ids for websockets.
    pub(crate) ids: Arc<Ids>,
    /// The HTTP/1 rules: limits (one body cap, the hub's) and the header timeout.
    pub(crate) http: ConnConfig,
    /// Each websocket holds a strong copy while it is served; shutdown drops the last other
    /// one and waits for the channel to close: an event, not a poll.
    pub(crate) live: async_channel::WeakSender<()>,
    /// Whether connections arrive over TLS (workers then get `wss://` URLs).
    pub(crate) tls: bool,
    /// Where a websocket gets its own task at the upgrade, so the connection's HTTP task (its
    /// state machine, the TLS handshake's futures) is freed rather than held for its life.
    pub(crate) executor: Arc<async_executor::Executor<'static>>,
}

/// What the socket side did while the state machine waited.
async fn next_input<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    conn: &Connection,
    pending: &[u8],
    reply: &mut Option<Receiver<HttpResponse>>,
    deadline: Option<Instant>,
) -> Event {
    let timer = async {
        match deadline {
            Some(at) => async_io::Timer::at(at).await,
            None => futures_lite::future::pending().await,
        };
        Event::Timeout
    };
    if !pending.is_empty() {
        let write = async {
            match stream.write_all(pending).await {
                Ok(()) => match stream.flush().await {
                    Ok(()) => Event::Drained,
                    Err(_) => Event::Gone,
                },
                Err(_) => Event::Gone,
            }
        };
        return write.or(timer).await;
    }
    if let Some(rx) = reply {
        let answer = async { Event::Response(rx.recv().await.unwrap_or_else(|_| shutting_down())) };
        if conn.watches_peer() {
            // Reading meanwhile is how a client that goes away is noticed: its request is
            // abandoned (the dropped reply tells the history thread to skip its query).
            return answer.or(read(stream, conn.read_size())).or(timer).await;
        }
        return answer.or(timer).await;
    }
    if conn.wants_read() {
        return read(stream, conn.read_size()).or(timer).await;
    }
    timer.await
}

/// Reads at most `size` bytes: what came, or that the client is gone.
async fn read<S: AsyncRead + Unpin>(stream: &mut S, size: usize) -> Event {
    let mut buf = vec![0; size];
    match stream.read(&mut buf).await {
        Ok(0) | Err(_) => Event::Gone,
        Ok(n) => {
            buf.truncate(n);
            Event::Read(buf)
        }
    }
}

/// One event for the state machine.
enum Event {
    Read(Vec<u8>),
    Gone,
    Drained,
    Response(HttpResponse),
    Timeout,
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
    let mut conn = Connection::new(shared.http, now());
    let mut pending: Vec<u8> = Vec::new();
    let mut reply: Option<Receiver<HttpResponse>> = None;
    loop {
        let deadline = loop {
            match conn.poll_output() {
                Output::Transmit(bytes) if pending.is_empty() => pending = bytes,
                Output::Transmit(bytes) => pending.extend_from_slice(&bytes),
                Output::Request(request) => {
                    let request = request.into_hub(peer.ip(), shared.tls);
                    reply = Some(send_to_hub(&shared, request).await);
                }
                Output::Upgrade { head, rest } => {
                    permit.upgraded();
                    drop((conn, pending));
                    // The websocket continues on a task of its own; this one (and with it the
                    // HTTP state and, over TLS, the handshake's futures) ends here.
                    return crate::websocket::upgrade(stream, *head, rest, peer, permit, shared)
                        .await;
                }
                Output::ShutdownWrite => {
                    let close = async {
                        let _ = stream.close().await;
                    };
                    close
                        .or(async {
                            async_io::Timer::after(LINGER_TIME).await;
                        })
                        .await;
                }
                Output::Close(reason) => {
                    if reason == CloseReason::WriteStalled {
                        tracing::debug!(%peer, "closing a connection whose answer did not drain");
                    }
                    return;
                }
                Output::Wait(at) => break at,
            }
        };
        let event = next_input(&mut stream, &conn, &pending, &mut reply, deadline).await;
        let now = now();
        match event {
            Event::Read(bytes) => conn.handle_input(now, Input::Read(&bytes)),
            Event::Gone => conn.handle_input(now, Input::ReadClosed),
            Event::Drained => {
                pending = Vec::new();
                conn.handle_input(now, Input::Drained);
            }
            Event::Response(response) => {
                reply = None;
                conn.handle_input(now, Input::Response(response));
            }
            Event::Timeout => conn.handle_input(now, Input::Timeout),
        }
    }
}

fn shutting_down() -> HttpResponse {
    error_response(503, "server is shutting down")
}

/// Sends `request` to the hub; the answer comes on the returned channel.
async fn send_to_hub(shared: &ConnShared, request: HttpRequest) -> Receiver<HttpResponse> {
    tracing::debug!(method = %request.method, path = %request.path, "request");
    let (mut reply, response) = async_channel::bounded(1);
    let mut request = Box::new(request);
    if let Some(cell) = &shared.cell
        && shared.hub.is_empty()
    {
        match cell.try_request(request, reply) {
            Ok(()) => return response,
            Err(back) => (request, reply) = back,
        }
    }
    let msg = HubMsg::Request { request, reply };
    if let Err(async_channel::SendError(HubMsg::Request { reply, .. })) = shared.hub.send(msg).await
    {
        let _ = reply.try_send(shutting_down());
    }
    response
}

/// Writes one response outside the state machine (websocket handshakes, connections turned
/// away at accept), within `timeout`.
pub(crate) async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    version: Version,
    response: &HttpResponse,
    keep_alive: bool,
    timeout: Duration,
) -> std::io::Result<()> {
    let bytes = encode_response(response, version, keep_alive, false, now().wall);
    let write = async {
        stream.write_all(&bytes).await?;
        stream.flush().await
    };
    write
        .or(async {
            async_io::Timer::after(timeout).await;
            Err(std::io::ErrorKind::TimedOut.into())
        })
        .await
}

/// Answers with `response` and closes: the write side first, then what the client still sends
/// is read for a moment (up to a small amount), so the answer is not lost to a reset.
pub(crate) async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    version: Version,
    response: &HttpResponse,
    timeout: Duration,
) {
    if write_response(stream, version, response, false, timeout)
        .await
        .is_err()
    {
        return;
    }
    let _ = stream.close().await;
    let drain = async {
        let _ = futures_lite::io::copy(
            (&mut *stream).take(psmonitor_core::http1::LINGER_BYTES as u64),
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

#[cfg(test)]
mod tests;
