//! `/connect`: checks the upgrade request, answers 101 by hand, then runs the websocket on
//! async-tungstenite, forwarding between the socket and the hub. The hub alone decides admission
//! and what is sent; a client that breaks the protocol is closed with the matching code.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use async_tungstenite::tungstenite::{Error as WsError, Message};
use base64::Engine as _;
use futures_lite::{AsyncRead, AsyncWrite, FutureExt};
use futures_util::{SinkExt, StreamExt};
use psmonitor_core::http1::{Due, LINGER_TIME, Liveness, RequestHead, SILENT_CLOSE, Version};
use psmonitor_core::hub::{ConnId, HttpResponse, Input, error_response};

use crate::conn::{ConnShared, refuse, write_response};
use crate::driver::{ConnCmd, HubMsg};
use crate::gated::Gated;
use crate::limits::ConnPermit;
use crate::outbox::Receiver;
use crate::ws_io::{self, FrameSink, ReadSide};

/// tungstenite only reads here: a subscriber sends almost nothing. Its read buffer is kept per
/// connection and zero-filled on every read attempt, so 128 bytes, enough for a pong or a close (a
/// control frame is at most 131 bytes: the second read takes the rest); a larger frame from the
/// client still fits, tungstenite grows the buffer for it. What it writes itself (a pong, the
/// reply to a close) goes to `ws_io`'s queue; the server's frames, and a due ping in the same
/// write as a frame, go through `ws_io::FrameSink`, not through tungstenite's write buffer.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(128)
        .write_buffer_size(16)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(16 * 1024))
}

/// Why an upgrade request is refused, before any websocket exists.
fn check_upgrade(head: &RequestHead) -> Result<String, HttpResponse> {
    if head.version != Version::Http11 || !head.has_token("connection", "upgrade") {
        return Err(error_response(
            400,
            "websocket upgrade needs HTTP/1.1 with connection: upgrade",
        ));
    }
    if head.header("sec-websocket-version") != Some("13") {
        let mut res = error_response(426, "unsupported websocket version: use 13");
        res.headers.push(("Sec-WebSocket-Version", "13".to_owned()));
        return Err(res);
    }
    let key = head.header("sec-websocket-key").unwrap_or("");
    let decoded = base64::engine::general_purpose::STANDARD.decode(key);
    if !decoded.is_ok_and(|k| k.len() == 16) {
        return Err(error_response(
            400,
            "invalid sec-websocket-key header: 16 random bytes in base64 are required",
        ));
    }
    Ok(derive_accept_key(key.as_bytes()))
}

/// The query of `head`; the rest of it (every header) is freed now rather than held for the
/// websocket's life.
fn into_query(head: RequestHead) -> Option<String> {
    head.query
}

/// The close code for a client's protocol violation, if the error is one.
fn violation(err: &WsError) -> Option<(u16, &'static str)> {
    match err {
        WsError::Protocol(_) => Some((1002, "protocol error")),
        WsError::Utf8(_) => Some((1007, "invalid utf-8 in a text message")),
        WsError::Capacity(_) => Some((1009, "message too big")),
        _ => None,
    }
}

/// Completes the upgrade on `stream` (whose head is `head`, followed by the bytes in `rest`) and
/// hands the websocket to a task of its own (holding `permit`), which serves it until it ends.
pub(crate) async fn upgrade<S>(
    mut stream: S,
    head: RequestHead,
    rest: Vec<u8>,
    peer: SocketAddr,
    permit: ConnPermit,
    shared: ConnShared,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let accept = match check_upgrade(&head) {
        Ok(accept) => accept,
        Err(answer) => {
            return refuse(
                &mut stream,
                head.version,
                &answer,
                shared.http.header_timeout,
            )
            .await;
        }
    };
    let switching = HttpResponse {
        status: 101,
        headers: vec![
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Accept", accept),
        ],
        body: "".into(),
        content_type: "application/json",
    };
    if write_response(
        &mut stream,
        Version::Http11,
        &switching,
        true,
        shared.http.header_timeout,
    )
    .await
    .is_err()
    {
        return;
    }
    let query = into_query(head);
    // Split here, so the new task's future holds two handles, not a second copy of the stream
    // (over TLS, rustls' connection state): a subscriber lives for hours, and its task is sized
    // by what it holds, not by the HTTP task it came from (which is freed now). The server's
    // frames go out through `sink` without tungstenite's copy (see `ws_io`).
    let (sink, read_side) = ws_io::split(stream);
    // `rest` is the HTTP read buffer, whole; tungstenite would keep it as its own read buffer
    // (twice `ws_config`'s) for the websocket's life.
    let mut rest = rest;
    rest.shrink_to_fit();
    let ws = Halves {
        sink,
        read_side,
        rest,
    };
    shared
        .executor
        .spawn(serve(ws, shared.clone(), query, peer, permit))
        .detach();
}

/// The websocket's two sides: the writer's (frames, pings, the close) and what tungstenite reads
/// from, with the bytes that came after the upgrade request.
struct Halves<S> {
    sink: FrameSink<S>,
    read_side: ReadSide<S>,
    rest: Vec<u8>,
}

async fn serve<S>(
    ws: Halves<S>,
    shared: ConnShared,
    query: Option<String>,
    peer: SocketAddr,
    _permit: ConnPermit,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let conn = ConnId(shared.ids.next());
    let (outbox, commands) = crate::driver::outbox();
    let connected = HubMsg::Connected {
        conn,
        query,
        peer: peer.ip(),
        outbox,
    };
    if shared.hub.send(connected).await.is_err() {
        return;
    }
    // Held while the websocket lives: shutdown waits for every one to be dropped.
    let _live = shared.live.upgrade();
    let Halves {
        mut sink,
        read_side,
        rest,
    } = ws;
    // Made here, not passed in: an async fn's arguments are kept in its future beside the locals
    // they are moved into, and tungstenite's state is most of it.
    let mut stream =
        WebSocketStream::from_partially_read(read_side, rest, Role::Server, Some(ws_config()))
            .await;
    let liveness = Mutex::new(
        Liveness::new(
            Instant::now(),
            shared.http.header_timeout,
            shared.http.silence_limit,
        )
        .with_phase(conn.0),
    );
    let writer = async {
        write_loop(&mut sink, commands, &liveness).await;
        None
    };
    let reader = std::pin::pin!(async {
        // Pings and the client's close are answered by tungstenite while we keep reading; the
        // stream ends once the closing handshake is done. Data from the client is ignored, but
        // anything heard (pongs above all) shows the client still reads.
        loop {
            match stream.next().await {
                Some(Ok(_)) => lock(&liveness).handle_heard(Instant::now()),
                Some(Err(err)) => return violation(&err),
                None => {
                    // The client closed: tungstenite's reply was queued; see it written.
                    let flushed = async {
                        let _ = futures_lite::AsyncWriteExt::flush(stream.get_mut()).await;
                    };
                    flushed
                        .or(async {
                            async_io::Timer::after(LINGER_TIME).await;
                        })
                        .await;
                    return None;
                }
            }
        }
    });
    // Gated: a frame wakes this task to send it; the reader is polled only when the socket
    // has something to read (each poll would cost a `recv` that finds nothing).
    let reader = Gated::new(reader);
    if let Some((code, reason)) = futures_lite::future::or(writer, reader).await {
        tracing::debug!(code, reason, "closing a websocket that broke the protocol");
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
    }
    let _ = shared
        .hub
        .send(HubMsg::input(Input::Disconnected { conn }))
        .await;
}

fn lock(liveness: &Mutex<Liveness>) -> std::sync::MutexGuard<'_, Liveness> {
    liveness
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How long past a liveness deadline the connection's own timer checks it. Frames come every
/// second while anyone subscribes, and each one checks the deadlines first (a due ping goes out
/// in the same write as the frame), so the timer is only the fallback for a stream without
/// frames: it is re-armed when it fires, not each time a pong moves the deadline.
const TIMER_SLACK: Duration = Duration::from_secs(2);

/// When the fallback timer for `deadline` fires: [`TIMER_SLACK`] after it, rounded up to the
/// next whole second since `base` (the same for every connection). Each subscriber's timer
/// fires once a ping period even while frames flow (pings are phased over 10 s, so 1/20 of
/// them a second); on whole seconds, the reactor wakes once a second for all of those, and their
/// re-arming wakes it once more, instead of twice per subscriber.
fn fallback_at(deadline: Instant, base: Instant) -> Instant {
    let at = deadline + TIMER_SLACK;
    let since = at.saturating_duration_since(base);
    let whole = since.as_secs() + u64::from(since.subsec_nanos() > 0);
    base + Duration::from_secs(whole)
}

/// The base of [`fallback_at`]'s whole seconds: the first time a websocket asks.
fn fallback_base() -> Instant {
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Waits for `sending` (a frame, a ping) within the write timeout the liveness keeps; false when
/// the connection must end (the socket failed, or the frame did not drain in time).
async fn send(
    sending: impl std::future::Future<Output = Result<(), WsError>>,
    liveness: &Mutex<Liveness>,
) -> bool {
    let mut sending = std::pin::pin!(sending);
    // Most frames go straight into the socket: no clock read, no timer for those.
    if let Some(result) = futures_lite::future::poll_once(sending.as_mut()).await {
        return result.is_ok();
    }
    let deadline = {
        let mut live = lock(liveness);
        live.handle_write_started(Instant::now());
        live.write_deadline()
    };
    let sent = async { sending.await.is_ok() }
        .or(async {
            async_io::Timer::at(deadline).await;
            tracing::debug!("dropping a websocket whose frame did not drain");
            false
        })
        .await;
    lock(liveness).handle_write_done();
    sent
}

async fn write_loop<S>(
    sink: &mut FrameSink<S>,
    commands: Receiver<ConnCmd>,
    liveness: &Mutex<Liveness>,
) where
    S: AsyncWrite + Unpin,
{
    let base = fallback_base();
    let mut timer = async_io::Timer::at(fallback_at(lock(liveness).poll_timeout(), base));
    loop {
        let next = async { Some(commands.recv().await) }
            .or(async {
                (&mut timer).await;
                None
            })
            .await;
        // Every wake (a frame, above all) checks the deadlines: no timer per ping or pong.
        let due = lock(liveness).handle_timeout(Instant::now());
        let cmd = match next {
            Some(Ok(cmd)) => cmd,
            Some(Err(_)) => return,
            None => {
                timer.set_at(fallback_at(lock(liveness).poll_timeout(), base));
                match due {
                    Some(Due::Ping) => ConnCmd::Ping,
                    Some(Due::Close) => ConnCmd::Close(SILENT_CLOSE.0, SILENT_CLOSE.1),
                    Some(Due::Abort) => return,
                    None => continue,
                }
            }
        };
        let (cmd, ping) = match (due, cmd) {
            (Some(Due::Abort), _) => return,
            (Some(Due::Close), _) => (ConnCmd::Close(SILENT_CLOSE.0, SILENT_CLOSE.1), false),
            (Some(Due::Ping), ConnCmd::Frame(frame)) => (ConnCmd::Frame(frame), true),
            (_, cmd) => (cmd, false),
        };
        match cmd {
            ConnCmd::Frame(frame) => {
                // A due ping leaves in the same write as the frame.
                if !send(sink.send_frame(ping, frame), liveness).await {
                    return;
                }
            }
            ConnCmd::Ping => {
                if !send(sink.send(Message::Ping(Vec::new().into())), liveness).await {
                    return;
                }
            }
            ConnCmd::Close(code, reason) => {
                if (code, reason) == SILENT_CLOSE {
                    tracing::debug!("closing a websocket subscriber that reads nothing");
                }
                let frame = CloseFrame {
                    code: code.into(),
                    reason: reason.into(),
                };
                let close = async {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    let _ = sink.close().await;
                };
                close
                    .or(async {
                        async_io::Timer::after(LINGER_TIME).await;
                    })
                    .await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::sock::Sock;
    use psmonitor_core::http1::{Limits, parse_head};

    fn head(extra: &str) -> RequestHead {
        let text = format!(
            "GET /connect?id=x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}\r\n"
        );
        parse_head(text.as_bytes(), &Limits::default())
            .unwrap()
            .unwrap()
            .0
    }

    #[test]
    fn keys_must_be_sixteen_bytes_of_base64() {
        let good = "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        assert_eq!(
            check_upgrade(&head(good)).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        for key in ["x", "", "dGhlIHNhbXBsZQ==", "not base64 at all!!!!!!!"] {
            let extra = format!("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n");
            assert_eq!(
                check_upgrade(&head(&extra)).unwrap_err().status,
                400,
                "{key}"
            );
        }
        let no_key = "Sec-WebSocket-Version: 13\r\n";
        assert_eq!(check_upgrade(&head(no_key)).unwrap_err().status, 400);
        let old = "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        assert_eq!(check_upgrade(&head(old)).unwrap_err().status, 426);
    }

    /// The fallback timer fires on whole seconds from the base, never before the deadline plus
    /// the slack, and less than a second after it.
    #[test]
    fn fallback_timers_fire_on_whole_seconds_after_the_slack() {
        let base = Instant::now();
        for ms in [0, 1, 250, 999, 1000, 1001, 20_500, 59_999] {
            let deadline = base + Duration::from_millis(ms);
            let at = fallback_at(deadline, base);
            assert!(at >= deadline + TIMER_SLACK, "{ms} ms");
            assert!(
                at < deadline + TIMER_SLACK + Duration::from_secs(1),
                "{ms} ms"
            );
            assert_eq!(at.duration_since(base).subsec_nanos(), 0, "{ms} ms");
        }
        // Deadlines within one second share a firing time (one reactor wake for all of them).
        let at = |ms| fallback_at(base + Duration::from_millis(ms), base);
        assert_eq!(at(20_001), at(20_999));
        assert_eq!(at(20_001), at(21_000));
        assert_ne!(at(21_000), at(21_001));
        // A deadline before the base (a connection opened before it) is not moved earlier.
        let early = base - Duration::from_millis(300);
        assert!(fallback_at(early, base) >= early + TIMER_SLACK);
    }

    /// The size of the future `f` returns (its task's allocation, when spawned).
    fn future_size<A, B, C, D, E, F: std::future::Future>(_: fn(A, B, C, D, E) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Issue 23: a subscriber's task holds the websocket's two handles and its loops, not the
    /// HTTP connection it came from nor a second copy of the stream (over TLS, rustls' state):
    /// the HTTP task (over 10 KiB in a debug build over TLS) ends at the upgrade.
    #[test]
    fn a_subscriber_task_holds_only_the_websocket() {
        type Tls = psmonitor_tls::futures_rustls::server::TlsStream<Sock>;
        let plain = future_size(serve::<Sock>);
        let tls = future_size(serve::<Tls>);
        assert_eq!(
            plain, tls,
            "the stream (rustls' state) is behind the handles"
        );
        // About 1.6 KiB in a debug build (tungstenite's reading state is in it, once), against
        // over 10 KiB for the HTTP task over TLS.
        assert!(tls < 2048, "{tls} bytes");
    }
}
