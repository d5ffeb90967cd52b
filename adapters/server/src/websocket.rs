//! `/connect`: completes the websocket handshake by hand on async-tungstenite, then forwards
//! between the socket and the hub. The hub alone decides admission and what is sent.

use std::sync::atomic::Ordering;

use async_channel::Receiver;
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use futures_util::{SinkExt, StreamExt};
use psmonitor_core::hub::ConnId;
use tide::http::StatusCode;

use crate::driver::{ConnCmd, HubMsg};
use crate::http::{AppState, header, json_error, peer_ip};

/// Small buffers: a subscriber sends almost nothing and receives about 1 KB a second. The read
/// buffer is allocated per connection and zero-filled on every read attempt (each sent frame
/// wakes the reader too), so 512 bytes, enough for a ping or a close: a larger frame from the
/// client still fits, tungstenite grows the buffer for it.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(512)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(16 * 1024))
}

fn has_token(value: Option<String>, token: &str) -> bool {
    value.is_some_and(|v| {
        v.split(',')
            .any(|part| part.trim().eq_ignore_ascii_case(token))
    })
}

/// Answers the upgrade request with 101 and spawns the connection task, or explains the refusal.
pub(crate) async fn upgrade(req: tide::Request<AppState>) -> tide::Response {
    let upgrading = has_token(header(&req, "Upgrade"), "websocket")
        && has_token(header(&req, "Connection"), "upgrade");
    if !upgrading {
        return json_error(
            StatusCode::UpgradeRequired,
            "websocket upgrade required: open /connect?id=<worker id>&subscriber=<user id> with a websocket client",
        );
    }
    if header(&req, "Sec-WebSocket-Version").as_deref() != Some("13") {
        let mut res = json_error(StatusCode::UpgradeRequired, "unsupported websocket version");
        res.insert_header("Sec-WebSocket-Version", "13");
        return res;
    }
    let Some(key) = header(&req, "Sec-WebSocket-Key") else {
        return json_error(StatusCode::BadRequest, "missing sec-websocket-key header");
    };
    let mut res = tide::Response::new(StatusCode::SwitchingProtocols);
    res.insert_header("Upgrade", "websocket");
    res.insert_header("Connection", "Upgrade");
    res.insert_header("Sec-WebSocket-Accept", derive_accept_key(key.as_bytes()));
    let http_res: &mut tide::http::Response = res.as_mut();
    let upgraded = http_res.recv_upgrade().await;
    let state = req.state().clone();
    let query = req.url().query().map(str::to_owned);
    let peer = peer_ip(&req);
    async_std::task::spawn(async move {
        if let Some(stream) = upgraded.await {
            let ws =
                WebSocketStream::from_raw_socket(stream, Role::Server, Some(ws_config())).await;
            serve(ws, state, query, peer).await;
        }
    });
    res
}

async fn serve<S>(
    ws: WebSocketStream<S>,
    state: AppState,
    query: Option<String>,
    peer: std::net::IpAddr,
) where
    S: futures_lite::AsyncRead + futures_lite::AsyncWrite + Unpin,
{
    let conn = ConnId(state.ids.next());
    let (outbox, commands) = crate::driver::outbox();
    let connected = HubMsg::Connected {
        conn,
        query,
        peer,
        outbox,
    };
    if state.hub.send(connected).await.is_err() {
        return;
    }
    state.live.fetch_add(1, Ordering::SeqCst);
    let (sink, mut stream) = ws.split();
    let writer = write_loop(sink, commands);
    let reader = async {
        // Pings and the client's close are answered by tungstenite while we keep reading; the
        // stream ends once the closing handshake is done. Anything else is ignored.
        while let Some(Ok(_)) = stream.next().await {}
    };
    futures_lite::future::race(writer, reader).await;
    let _ = state.hub.send(HubMsg::Disconnected { conn }).await;
    state.live.fetch_sub(1, Ordering::SeqCst);
}

async fn write_loop<K>(mut sink: K, commands: Receiver<ConnCmd>)
where
    K: futures_util::Sink<Message> + Unpin,
{
    while let Ok(cmd) = commands.recv().await {
        match cmd {
            ConnCmd::Frame(frame) => {
                if sink.send(Message::Text(frame)).await.is_err() {
                    return;
                }
            }
            ConnCmd::Close(code, reason) => {
                let frame = CloseFrame {
                    code: code.into(),
                    reason: reason.into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = sink.close().await;
                return;
            }
        }
    }
}
