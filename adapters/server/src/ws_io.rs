//! A websocket's socket, shared by its two sides without copying frames.
//!
//! tungstenite formats every frame it sends into an output buffer, payload included, and keeps
//! that buffer's capacity for the connection's life: about 2 KiB a subscriber (the largest frame,
//! doubled by `Vec` growth), and a copy of each frame for each subscriber every second. Here the
//! server's frames skip it: [`FrameSink`] writes a frame's header (made by tungstenite's own
//! [`FrameHeader::format`], so the bytes are the same) and then its payload, the tick's shared
//! buffer, in one vectored write. tungstenite still reads and checks the client's frames through
//! [`ReadSide`]; what it writes itself (the pong to a client's ping, the reply to a client's close)
//! is taken into the same queue, between two of our frames, never inside one.
//!
//! Every subscriber of a tick is sent the same text frame, so its header is the same too: the
//! driver makes a [`SharedFrame`] (header and payload in one buffer) once a tick, and each
//! connection writes that one buffer ([`FrameSink::send_frame`]): one `write` of one slice, over
//! TLS one record sealed from one slice (rustls collects several slices into a `Vec` first).
//!
//! Both sides live in one task (the websocket's `serve`), so whichever polls the socket, the
//! same task is woken.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use async_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use async_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use async_tungstenite::tungstenite::{Bytes, Error as WsError, Message, error::ProtocolError};
use futures_lite::{AsyncRead, AsyncWrite};

/// A text frame as the server sends it, tungstenite's header and the payload in one buffer: made
/// once a tick and shared (by reference count) by every subscriber it goes to.
#[derive(Debug, Clone)]
pub(crate) struct SharedFrame {
    /// The frame's bytes on the wire.
    wire: Bytes,
}

impl SharedFrame {
    /// The unmasked, final text frame of `payload`, as tungstenite's writer formats it.
    pub(crate) fn text(payload: &str) -> Self {
        let header = FrameHeader {
            opcode: OpCode::Data(Data::Text),
            ..FrameHeader::default()
        };
        // At most 10 bytes of header for an unmasked frame.
        let mut wire = Vec::with_capacity(payload.len() + 10);
        header
            .format(payload.len() as u64, &mut wire)
            .expect("a Vec takes every byte");
        wire.extend_from_slice(payload.as_bytes());
        Self {
            wire: Bytes::from(wire),
        }
    }

    /// The frame's payload, the text it carries: after a 2-byte header, or 4 or 10 bytes when
    /// the length byte says 126 or 127 (an unmasked frame).
    #[cfg(test)]
    pub(crate) fn payload(&self) -> &[u8] {
        let at = match self.wire[1] & 0x7f {
            126 => 4,
            127 => 10,
            _ => 2,
        };
        &self.wire[at..]
    }
}

/// The socket and what waits to be written on it.
#[derive(Debug)]
struct Socket<S> {
    stream: S,
    /// Complete frames, then (while `body` is set) the header of `body`, unless `body` is a
    /// [`SharedFrame`], which carries its header.
    head: Vec<u8>,
    /// Bytes of `head` already written.
    head_written: usize,
    /// A data frame's payload, or a whole [`SharedFrame`], written after `head`.
    body: Option<Bytes>,
    /// Bytes of `body` already written.
    body_written: usize,
    /// Frames tungstenite wrote (pongs, the reply to a close); moved into `head` between frames.
    replies: Vec<u8>,
    /// A close frame has been queued: nothing more may be sent.
    closing: bool,
}

/// Above this, `head`'s buffer is freed once written, not kept (it holds headers, pings and the
/// odd close or pong: a few bytes).
const KEEP_HEAD: usize = 256;

impl<S: AsyncWrite + Unpin> Socket<S> {
    /// Writes everything queued; `Ready(Ok)` once the socket has taken it all.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.head_written == self.head.len() && self.body.is_none() {
                self.head_written = 0;
                if self.head.capacity() > KEEP_HEAD {
                    self.head = Vec::new();
                } else {
                    self.head.clear();
                }
                if self.replies.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                // Between two frames: the replies go out now.
                std::mem::swap(&mut self.head, &mut self.replies);
                continue;
            }
            let head = &self.head[self.head_written..];
            let body = self
                .body
                .as_deref()
                .map_or(&[][..], |b| &b[self.body_written..]);
            let slices = [IoSlice::new(head), IoSlice::new(body)];
            // One slice when the other is empty (a shared frame alone, above all): over TLS,
            // rustls seals a single slice without first collecting the slices into a `Vec`.
            let slices = match (head.is_empty(), body.is_empty()) {
                (true, false) => &slices[1..],
                (false, true) => &slices[..1],
                _ => &slices[..],
            };
            let n = match Pin::new(&mut self.stream).poll_write_vectored(cx, slices) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            let from_head = n.min(head.len());
            self.head_written += from_head;
            self.body_written += n - from_head;
            if self
                .body
                .as_ref()
                .is_some_and(|b| self.body_written == b.len())
            {
                self.body = None;
                self.body_written = 0;
            }
        }
    }

    /// Queues `frame` (only after every payload before it has been written), after a ping if
    /// `ping`, so both leave in one write.
    fn queue_frame(&mut self, ping: bool, frame: SharedFrame) -> Result<(), WsError> {
        if self.closing {
            return Err(WsError::Protocol(ProtocolError::SendAfterClosing));
        }
        if ping {
            Frame::ping(Bytes::new()).format(&mut self.head)?;
        }
        self.body = Some(frame.wire);
        Ok(())
    }

    /// Queues `message` (only after everything before it has been written).
    fn queue(&mut self, message: Message) -> Result<(), WsError> {
        if self.closing {
            return Err(WsError::Protocol(ProtocolError::SendAfterClosing));
        }
        let (opcode, payload) = match message {
            Message::Text(text) => (OpCode::Data(Data::Text), Bytes::from(text)),
            Message::Binary(data) => (OpCode::Data(Data::Binary), data),
            control => {
                self.closing = matches!(control, Message::Close(_));
                let frame = match control {
                    Message::Ping(data) => Frame::ping(data),
                    Message::Pong(data) => Frame::pong(data),
                    Message::Close(close) => Frame::close(close),
                    Message::Frame(frame) => frame,
                    Message::Text(_) | Message::Binary(_) => unreachable!("matched above"),
                };
                return frame.format(&mut self.head);
            }
        };
        let header = FrameHeader {
            opcode,
            ..FrameHeader::default()
        };
        header.format(payload.len() as u64, &mut self.head)?;
        if !payload.is_empty() {
            self.body = Some(payload);
        }
        Ok(())
    }
}

fn lock<S>(socket: &Mutex<Socket<S>>) -> MutexGuard<'_, Socket<S>> {
    socket.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Splits a websocket's `stream` into the side that sends the server's frames and the side
/// tungstenite reads the client's frames from.
pub(crate) fn split<S>(stream: S) -> (FrameSink<S>, ReadSide<S>) {
    let socket = Arc::new(Mutex::new(Socket {
        stream,
        head: Vec::new(),
        head_written: 0,
        body: None,
        body_written: 0,
        replies: Vec::new(),
        closing: false,
    }));
    (
        FrameSink {
            socket: socket.clone(),
        },
        ReadSide { socket },
    )
}

/// Sends the server's messages: each one whole, after what came before it; a flush writes them.
#[derive(Debug)]
pub(crate) struct FrameSink<S> {
    socket: Arc<Mutex<Socket<S>>>,
}

impl<S: AsyncWrite + Unpin> FrameSink<S> {
    /// Sends `frame`, after an empty ping if `ping` (in the same write), and flushes: what the
    /// `Sink` does in three calls (ready, queue, flush), each taking the socket's lock, in one
    /// poll and one lock when the socket takes the frame at once (it nearly always does).
    pub(crate) async fn send_frame(
        &mut self,
        ping: bool,
        frame: SharedFrame,
    ) -> Result<(), WsError> {
        let mut frame = Some(frame);
        std::future::poll_fn(|cx| {
            let mut socket = lock(&self.socket);
            if frame.is_some() && socket.body.is_some() {
                // A payload still being written must finish before the next frame is queued.
                std::task::ready!(socket.poll_drain(cx)).map_err(WsError::Io)?;
            }
            if let Some(frame) = frame.take() {
                socket.queue_frame(ping, frame)?;
            }
            std::task::ready!(socket.poll_drain(cx)).map_err(WsError::Io)?;
            Pin::new(&mut socket.stream)
                .poll_flush(cx)
                .map_err(WsError::Io)
        })
        .await
    }
}

impl<S: AsyncWrite + Unpin> futures_util::Sink<Message> for FrameSink<S> {
    type Error = WsError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        // A payload still being written must finish before the next frame's header is queued.
        let mut socket = lock(&self.socket);
        if socket.body.is_none() {
            return Poll::Ready(Ok(()));
        }
        socket.poll_drain(cx).map_err(WsError::Io)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), WsError> {
        lock(&self.socket).queue(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let mut socket = lock(&self.socket);
        std::task::ready!(socket.poll_drain(cx)).map_err(WsError::Io)?;
        Pin::new(&mut socket.stream)
            .poll_flush(cx)
            .map_err(WsError::Io)
    }

    /// Flushes, after a close frame (an empty one, as tungstenite's `close(None)` sends, when
    /// none was sent); the socket is closed when both sides are dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        {
            let mut socket = lock(&self.socket);
            if !socket.closing {
                socket.queue(Message::Close(None))?;
            }
        }
        self.poll_flush(cx)
    }
}

/// What tungstenite reads the client's frames from; what it writes goes into the queue.
#[derive(Debug)]
pub(crate) struct ReadSide<S> {
    socket: Arc<Mutex<Socket<S>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadSide<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut lock(&self.socket).stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadSide<S> {
    /// Takes tungstenite's replies whole (it writes complete frames); they go out between frames.
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        lock(&self.socket).replies.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// Writes what waits, replies included, so a pong does not wait for the next frame.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut socket = lock(&self.socket);
        std::task::ready!(socket.poll_drain(cx))?;
        Pin::new(&mut socket.stream).poll_flush(cx)
    }

    /// The socket is closed when both sides are dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests;
