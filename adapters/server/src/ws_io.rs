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

/// The socket and what waits to be written on it.
#[derive(Debug)]
struct Socket<S> {
    stream: S,
    /// Complete frames, then (while `body` is set) the header of `body`.
    head: Vec<u8>,
    /// Bytes of `head` already written.
    head_written: usize,
    /// A data frame's payload, written after `head`.
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
            let n = match Pin::new(&mut self.stream).poll_write_vectored(cx, &slices) {
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
