//! [`Subscription`]: one open `/connect` websocket, yielding typed stream frames (or their raw
//! text, for a caller that only counts them).

use std::fmt;
use std::time::{Duration, Instant};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
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
            .map_err(|_| ClientError::invalid_body("detailed frame", e)),
    }
}

/// Time allowed for the handshake and the greeting.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time without any message after which the stream counts as lost.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest message accepted (a frame is about 1 KB).
const MAX_MESSAGE: usize = 1024 * 1024;

/// How a [`Subscription`] buffers and how long it waits.
#[derive(Clone, Debug)]
pub struct SubscriptionOptions {
    /// Bytes read from the socket at a time and kept as the read buffer (tungstenite's default
    /// is 128 KiB; a frame is about 1 KB).
    pub read_buffer_size: usize,
    /// Time without a message after which [`Subscription::next`] gives up; `None` waits for
    /// as long as the connection stays open.
    pub idle_timeout: Option<Duration>,
    /// Ask for the detailed stream (`detail=full`, DESIGN 5.7), read with
    /// [`Subscription::next_detailed`].
    pub detailed: bool,
}

impl Default for SubscriptionOptions {
    /// Tungstenite's buffers and [`DEFAULT_IDLE_TIMEOUT`].
    fn default() -> Self {
        Self {
            read_buffer_size: WebSocketConfig::default().read_buffer_size,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            detailed: false,
        }
    }
}

impl SubscriptionOptions {
    /// For many subscribers in one process: a 4 KiB read buffer, no write buffer, no idle
    /// timeout (a stream ends only when its connection does).
    pub fn lean() -> Self {
        Self {
            read_buffer_size: 4 * 1024,
            idle_timeout: None,
            detailed: false,
        }
    }

    fn websocket_config(&self) -> WebSocketConfig {
        let config = WebSocketConfig::default()
            .read_buffer_size(self.read_buffer_size)
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        if self.idle_timeout.is_none() {
            // The lean form: the client only ever sends pongs and a close.
            config.write_buffer_size(0)
        } else {
            config
        }
    }
}

/// A live stream of frames from one worker.
pub struct Subscription {
    ws: WebSocketStream<Stream>,
    idle_timeout: Option<Duration>,
    /// When the last text message arrived (or the websocket opened): the idle deadline is this
    /// plus `idle_timeout`, however often a caller gives up waiting on [`Subscription::next`]
    /// and calls it again.
    last_message: Instant,
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
    /// Opens `/connect?id=WORKER&subscriber=USER` on `ep` (over TLS for an `https://` server,
    /// through `tls`) and waits for the greeting, within 10 s. `worker_id` comes from
    /// [`create_worker`](crate::create_worker), `user_id` from the [`Session`](crate::Session).
    /// [`Client::subscribe`](crate::Client::subscribe) does all three.
    pub async fn connect(
        ep: &Endpoint,
        tls: Option<&TlsClient>,
        worker_id: &str,
        user_id: &str,
        options: &SubscriptionOptions,
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
            if options.detailed { "&detail=full" } else { "" }
        );
        let origin = ep.http_url();
        let stream = stream::open_stream(ep, tls).await?;
        let config = options.websocket_config();
        let handshake = async {
            let (ws, _) = async_tungstenite::client_async_with_config(url, stream, Some(config))
                .await
                .map_err(|e| ws_error(&origin, e))?;
            let mut sub = Subscription {
                ws,
                idle_timeout: options.idle_timeout,
                last_message: Instant::now(),
                origin: origin.clone(),
            };
            match sub.next_text().await? {
                text if text == GREETING => Ok(sub),
                text => Err(ClientError::UnexpectedGreeting(
                    text.chars().take(80).collect(),
                )),
            }
        };
        deadline(OPEN_TIMEOUT, format!("websocket {origin}"), handshake).await
    }

    /// Changes how long after the last message [`Subscription::next`] gives up waiting.
    pub fn set_idle_timeout(&mut self, timeout: Duration) {
        self.idle_timeout = Some(timeout);
    }

    /// The next stream frame; a closed stream, a frame that does not parse, or no message
    /// within the idle timeout of the last one is an error. Cancel-safe: dropping the future
    /// loses no frame and does not restart the idle deadline.
    pub async fn next(&mut self) -> Result<StreamFrame, ClientError> {
        let text = self.next_text().await?;
        serde_json::from_str(text.as_str())
            .map_err(|e| ClientError::invalid_body("stream frame", e))
    }

    /// The next frame of the detailed stream (opened with `detailed`); errors as [`Subscription::next`].
    pub async fn next_detailed(&mut self) -> Result<DetailedFrame, ClientError> {
        let text = self.next_text().await?;
        serde_json::from_str(text.as_str())
            .map_err(|e| ClientError::invalid_body("detailed frame", e))
    }

    /// The next frame of a stream opened with `detailed`: `Ok(Err(classic))` when the server sent
    /// a classic frame instead (the original PSMonitor ignores `detail=full`).
    pub async fn next_detailed_or_classic(
        &mut self,
    ) -> Result<Result<DetailedFrame, StreamFrame>, ClientError> {
        let text = self.next_text().await?;
        detailed_or_classic(text.as_str())
    }

    /// Closes the websocket politely.
    pub async fn close(mut self) {
        let _ = deadline(Duration::from_secs(1), String::new(), async {
            let _ = self.ws.close(None).await;
            Ok(())
        })
        .await;
    }

    /// The next text message as received, unparsed (pings and pongs are answered and skipped);
    /// the errors of [`Subscription::next`] but for parsing. For a caller that only counts or
    /// hashes frames.
    pub async fn next_text(&mut self) -> Result<Utf8Bytes, ClientError> {
        let origin = &self.origin;
        let idle_deadline = self
            .idle_timeout
            .and_then(|timeout| Some((self.last_message.checked_add(timeout)?, timeout)));
        let ws = &mut self.ws;
        let read = async move {
            loop {
                let msg = match ws.next().await {
                    Some(Ok(msg)) => msg,
                    Some(Err(e)) => return Err(ws_error(origin, e)),
                    None => {
                        return Err(ClientError::unreachable(origin, "stream ended"));
                    }
                };
                match msg {
                    Message::Text(text) => return Ok(text),
                    Message::Close(Some(frame)) => {
                        return Err(ClientError::StreamClosed {
                            code: Some(u16::from(frame.code)),
                            reason: frame.reason.as_str().to_owned(),
                        });
                    }
                    Message::Close(None) => {
                        return Err(ClientError::StreamClosed {
                            code: None,
                            reason: String::new(),
                        });
                    }
                    Message::Binary(_) => {
                        return Err(ClientError::Protocol("unexpected binary frame".into()));
                    }
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                }
            }
        };
        let text = match idle_deadline {
            Some((at, timeout)) => {
                let idle = async move {
                    smol::Timer::at(at).await;
                    Err(ClientError::unreachable(
                        format!("websocket {origin}"),
                        format!("no message within {}s", timeout.as_secs_f64()),
                    ))
                };
                futures_lite::future::or(read, idle).await?
            }
            None => read.await?,
        };
        self.last_message = Instant::now();
        Ok(text)
    }
}

/// Maps a websocket error: lost connections are unreachable, the rest protocol errors.
fn ws_error(origin: &str, e: WsError) -> ClientError {
    use async_tungstenite::tungstenite::error::ProtocolError;
    match e {
        WsError::Io(e) => ClientError::unreachable(origin, e),
        WsError::ConnectionClosed
        | WsError::AlreadyClosed
        | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            ClientError::unreachable(origin, "connection lost")
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
            ClientError::Status {
                what: format!("the websocket upgrade at {origin}"),
                status: res.status().as_u16(),
                message: body,
            }
        }
        other => ClientError::Protocol(format!("websocket: {other}")),
    }
}
