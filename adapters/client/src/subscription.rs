//! [`Subscription`]: one open `/connect` websocket, yielding typed stream frames.

use std::fmt;
use std::time::Duration;

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{Error as WsError, Message};
use futures_lite::StreamExt;
use psmonitor_core::hub::GREETING;
use psmonitor_core::wire::{DetailedFrame, StreamFrame};
use psmonitor_tls::TlsClient;

use crate::error::ClientError;
use crate::http::deadline;
use crate::stream::{self, Stream};
use crate::url::Endpoint;

/// Parses a frame of a stream opened with `detail=full`: detailed, else classic, else an error.
pub fn detailed_or_classic(text: &str) -> Result<Result<DetailedFrame, StreamFrame>, ClientError> {
    match serde_json::from_str::<DetailedFrame>(text) {
        Ok(detailed) => Ok(Ok(detailed)),
        Err(e) => serde_json::from_str::<StreamFrame>(text)
            .map(Err)
            .map_err(|_| ClientError::Protocol(format!("invalid detailed frame: {e}"))),
    }
}

/// Time allowed for the handshake and the greeting.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time without any message after which the stream counts as lost.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest message accepted (a frame is about 1 KB).
const MAX_MESSAGE: usize = 1024 * 1024;

/// A live stream of frames from one worker.
pub struct Subscription {
    ws: WebSocketStream<Stream>,
    idle_timeout: Duration,
    origin: String,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("server", &self.origin)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// Opens `/connect?id=..&subscriber=..` (over TLS for an `https://` server) and waits for
    /// the greeting.
    pub(crate) async fn open(
        ep: &Endpoint,
        tls: Option<&TlsClient>,
        worker_id: &str,
        user_id: &str,
        detailed: bool,
    ) -> Result<Self, ClientError> {
        let safe = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~=".contains(&b))
        };
        if !safe(worker_id) || !safe(user_id) {
            return Err(ClientError::Protocol(
                "the server sent a worker or user id that is not url-safe".into(),
            ));
        }
        let url = format!(
            "{}?id={worker_id}&subscriber={user_id}{}",
            ep.ws_url("/connect"),
            if detailed { "&detail=full" } else { "" }
        );
        let origin = ep.http_url();
        let stream = stream::open_stream(ep, tls).await?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let handshake = async {
            let (ws, _) = async_tungstenite::client_async_with_config(url, stream, Some(config))
                .await
                .map_err(|e| ws_error(&origin, e))?;
            let mut sub = Subscription {
                ws,
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                origin: origin.clone(),
            };
            match sub.next_text().await? {
                text if text == GREETING => Ok(sub),
                text => Err(ClientError::Protocol(format!(
                    "unexpected greeting {:?}",
                    text.chars().take(80).collect::<String>()
                ))),
            }
        };
        deadline(OPEN_TIMEOUT, format!("websocket {origin}"), handshake).await
    }

    /// Changes how long [`Subscription::next`] waits for any message before giving up.
    pub fn set_idle_timeout(&mut self, timeout: Duration) {
        self.idle_timeout = timeout;
    }

    /// The next stream frame; a closed stream or a frame that does not parse is an error.
    pub async fn next(&mut self) -> Result<StreamFrame, ClientError> {
        let text = self.next_text().await?;
        serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("invalid stream frame: {e}")))
    }

    /// The next frame of the detailed stream (opened with `detailed`); errors as [`Subscription::next`].
    pub async fn next_detailed(&mut self) -> Result<DetailedFrame, ClientError> {
        let text = self.next_text().await?;
        serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("invalid detailed frame: {e}")))
    }

    /// The next frame of a stream opened with `detailed`: `Ok(Err(classic))` when the server sent
    /// a classic frame instead (the original PSMonitor ignores `detail=full`).
    pub async fn next_detailed_or_classic(
        &mut self,
    ) -> Result<Result<DetailedFrame, StreamFrame>, ClientError> {
        let text = self.next_text().await?;
        detailed_or_classic(&text)
    }

    /// Closes the websocket politely.
    pub async fn close(mut self) {
        let _ = deadline(Duration::from_secs(1), String::new(), async {
            let _ = self.ws.close(None).await;
            Ok(())
        })
        .await;
    }

    /// The next text message, skipping pings and pongs, within the idle timeout.
    async fn next_text(&mut self) -> Result<String, ClientError> {
        let origin = self.origin.clone();
        let what = format!("websocket {origin}");
        let ws = &mut self.ws;
        deadline(self.idle_timeout, what, async move {
            loop {
                let msg = match ws.next().await {
                    Some(Ok(msg)) => msg,
                    Some(Err(e)) => return Err(ws_error(&origin, e)),
                    None => {
                        return Err(ClientError::unreachable(format!("{origin}: stream ended")));
                    }
                };
                match msg {
                    Message::Text(text) => return Ok(text.as_str().to_owned()),
                    Message::Close(Some(frame)) => {
                        return Err(ClientError::Protocol(format!(
                            "server closed the stream: {} (code {})",
                            frame.reason,
                            u16::from(frame.code)
                        )));
                    }
                    Message::Close(None) => {
                        return Err(ClientError::Protocol(
                            "server closed the stream without a reason".into(),
                        ));
                    }
                    Message::Binary(_) => {
                        return Err(ClientError::Protocol("unexpected binary frame".into()));
                    }
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                }
            }
        })
        .await
    }
}

/// Maps a websocket error: lost connections are unreachable, the rest protocol errors.
fn ws_error(origin: &str, e: WsError) -> ClientError {
    use async_tungstenite::tungstenite::error::ProtocolError;
    match e {
        WsError::Io(e) => ClientError::unreachable(format!("{origin}: {e}")),
        WsError::ConnectionClosed
        | WsError::AlreadyClosed
        | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            ClientError::unreachable(format!("{origin}: connection lost"))
        }
        WsError::Http(res) => {
            let body = res
                .body()
                .as_ref()
                .map(|b| {
                    String::from_utf8_lossy(b)
                        .chars()
                        .take(200)
                        .collect::<String>()
                })
                .unwrap_or_default();
            ClientError::Protocol(format!(
                "websocket upgrade refused with status {}: {body}",
                res.status().as_u16()
            ))
        }
        other => ClientError::Protocol(format!("websocket: {other}")),
    }
}
