//! The frames on the wire are tungstenite's, byte for byte, whatever the socket takes per write.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocket};
use async_tungstenite::tungstenite::{Bytes, Message};
use futures_lite::{AsyncRead, AsyncWrite, AsyncWriteExt};
use futures_util::SinkExt;

use super::*;

/// A socket that takes at most `step` bytes a write and says "not now" every other call (waking
/// the task at once), so frames are written in pieces; what it took is in `written`.
#[derive(Debug, Default)]
struct Trickle {
    step: usize,
    written: Vec<u8>,
    calls: usize,
    /// How many slices each write that took bytes was given.
    slices: Vec<usize>,
    /// The slices of the vectored write under way.
    given: usize,
}

impl AsyncWrite for Trickle {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.calls += 1;
        if self.calls.is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let given = std::mem::take(&mut self.given).max(1);
        self.slices.push(given);
        let n = buf.len().min(self.step);
        self.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    /// Like a socket's `writev`: from several buffers in one call.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.given = bufs.len();
        let step = self.step;
        let joined: Vec<u8> = bufs
            .iter()
            .flat_map(|b| b.iter().copied())
            .take(step)
            .collect();
        self.poll_write(cx, &joined)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(0))
    }
}

/// What tungstenite itself puts on the wire for `messages`, as the server (the old path).
fn tungstenite_bytes(messages: &[Message]) -> Vec<u8> {
    let mut ws = WebSocket::from_raw_socket(io::Cursor::new(Vec::new()), Role::Server, None);
    for message in messages {
        ws.send(message.clone()).unwrap();
    }
    ws.get_ref().get_ref().clone()
}

/// The same messages through [`FrameSink`], onto a socket taking `step` bytes a write.
fn sink_bytes(messages: &[Message], step: usize) -> Vec<u8> {
    let (mut sink, _read) = split(Trickle {
        step,
        ..Trickle::default()
    });
    smol::block_on(async {
        for message in messages {
            sink.send(message.clone()).await.unwrap();
        }
    });
    lock(&sink.socket).stream.written.clone()
}

fn text(len: usize) -> Message {
    Message::Text("x".repeat(len).into())
}

fn every_kind() -> Vec<Message> {
    let mut messages: Vec<Message> = [0, 1, 125, 126, 1000, 65_535, 65_536, 70_000]
        .into_iter()
        .map(text)
        .collect();
    messages.extend([
        Message::Ping(Bytes::new()),
        Message::Ping(Bytes::from_static(b"are you there")),
        Message::Pong(Bytes::from_static(b"yes")),
        Message::Binary(Bytes::from(vec![7u8; 300])),
        text(940),
        Message::Close(Some(CloseFrame {
            code: 1008.into(),
            reason: "subscriber reads nothing".into(),
        })),
    ]);
    messages
}

#[test]
fn every_frame_is_the_bytes_tungstenite_sends() {
    let expected = tungstenite_bytes(&every_kind());
    for step in [3, 14, 1000, usize::MAX] {
        assert!(
            sink_bytes(&every_kind(), step) == expected,
            "taking {step} bytes a write"
        );
    }
}

#[test]
fn a_ping_fed_before_a_frame_leaves_with_it() {
    let (mut sink, _read) = split(Trickle {
        step: usize::MAX,
        ..Trickle::default()
    });
    smol::block_on(async {
        sink.feed(Message::Ping(Bytes::new())).await.unwrap();
        assert!(
            lock(&sink.socket).stream.written.is_empty(),
            "not written yet"
        );
        sink.send(text(900)).await.unwrap();
    });
    let socket = lock(&sink.socket);
    assert_eq!(socket.stream.calls, 1, "one write");
    assert_eq!(
        socket.stream.written,
        tungstenite_bytes(&[Message::Ping(Bytes::new()), text(900)])
    );
}

/// tungstenite's pong, written while a frame is half out, follows that frame; it is not put
/// inside it.
#[test]
fn a_reply_waits_for_the_frame_being_written() {
    let (mut sink, mut read) = split(Trickle {
        step: 100,
        ..Trickle::default()
    });
    let pong = tungstenite_bytes(&[Message::Pong(Bytes::from_static(b"p"))]);
    smol::block_on(async {
        sink.feed(text(1000)).await.unwrap();
        // One write of the frame: its header and 98 bytes of payload.
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(futures_util::Sink::poll_flush(Pin::new(&mut sink), &mut cx).is_pending());
        assert_eq!(lock(&sink.socket).stream.written.len(), 100);
        read.write_all(&pong).await.unwrap();
        read.flush().await.unwrap();
        sink.send(text(10)).await.unwrap();
    });
    let mut expected = tungstenite_bytes(&[text(1000)]);
    expected.extend_from_slice(&pong);
    expected.extend(tungstenite_bytes(&[text(10)]));
    assert!(lock(&sink.socket).stream.written == expected);
}

/// With nothing else queued, a pong goes out at the reader's flush, not with the next frame.
#[test]
fn a_reply_alone_goes_out_at_once() {
    let (sink, mut read) = split(Trickle {
        step: usize::MAX,
        ..Trickle::default()
    });
    let pong = tungstenite_bytes(&[Message::Pong(Bytes::from_static(b"hi"))]);
    smol::block_on(async {
        read.write_all(&pong).await.unwrap();
        read.flush().await.unwrap();
    });
    assert_eq!(lock(&sink.socket).stream.written, pong);
}

#[test]
fn nothing_is_sent_after_a_close_and_closing_sends_one_when_none_was() {
    let (mut sink, _read) = split(Trickle {
        step: usize::MAX,
        ..Trickle::default()
    });
    smol::block_on(async {
        sink.send(text(5)).await.unwrap();
        sink.close().await.unwrap();
        let err = sink.send(text(5)).await.unwrap_err();
        assert!(
            matches!(err, WsError::Protocol(ProtocolError::SendAfterClosing)),
            "{err}"
        );
    });
    assert_eq!(
        lock(&sink.socket).stream.written,
        tungstenite_bytes(&[text(5), Message::Close(None)])
    );
}

/// The point of writing frames here: once a frame is out, the connection keeps no copy of it.
#[test]
fn a_written_frame_leaves_no_buffer_behind() {
    let (mut sink, _read) = split(Trickle {
        step: 64,
        ..Trickle::default()
    });
    smol::block_on(async {
        for len in [900, 950, 1000, 20_000] {
            sink.send(text(len)).await.unwrap();
        }
    });
    let socket = lock(&sink.socket);
    assert!(socket.body.is_none());
    assert!(
        socket.head.capacity() <= KEEP_HEAD,
        "{}",
        socket.head.capacity()
    );
}

/// A frame made once for every subscriber: what each of them is sent.
fn shared(len: usize) -> SharedFrame {
    SharedFrame::text(&"x".repeat(len))
}

/// The shared frame's bytes are tungstenite's, alone and after a due ping, between other
/// messages, whatever the socket takes per write.
#[test]
fn a_shared_frame_is_the_bytes_tungstenite_sends() {
    let lens = [0, 1, 125, 126, 1000, 65_535, 65_536, 70_000];
    let mut expected = Vec::new();
    for &len in &lens {
        expected.push(text(len));
        expected.push(Message::Ping(Bytes::new()));
        expected.push(text(len));
        expected.push(Message::Pong(Bytes::from_static(b"between")));
    }
    let expected = tungstenite_bytes(&expected);
    for step in [3, 14, 1000, usize::MAX] {
        let (mut sink, _read) = split(Trickle {
            step,
            ..Trickle::default()
        });
        smol::block_on(async {
            for &len in &lens {
                sink.send_frame(false, shared(len)).await.unwrap();
                sink.send_frame(true, shared(len)).await.unwrap();
                sink.send(Message::Pong(Bytes::from_static(b"between")))
                    .await
                    .unwrap();
            }
        });
        assert!(
            lock(&sink.socket).stream.written == expected,
            "taking {step} bytes a write"
        );
    }
    for len in [0, 125, 126, 65_535, 65_536] {
        assert_eq!(shared(len).payload(), "x".repeat(len).as_bytes());
    }
}

/// A shared frame goes out as one slice in one write (over TLS: sealed from one slice, no
/// `Vec` of slices); a due ping makes it two slices, still one write.
#[test]
fn a_shared_frame_is_one_slice_in_one_write() {
    let (mut sink, _read) = split(Trickle {
        step: usize::MAX,
        ..Trickle::default()
    });
    smol::block_on(async {
        sink.send_frame(false, shared(940)).await.unwrap();
        sink.send_frame(true, shared(940)).await.unwrap();
    });
    let socket = lock(&sink.socket);
    assert_eq!(socket.stream.slices, [1, 2], "one write a frame");
    assert!(socket.body.is_none(), "nothing kept once written");
}

/// tungstenite's pong, written while a shared frame is half out, follows that frame.
#[test]
fn a_reply_waits_for_the_shared_frame_being_written() {
    let (mut sink, mut read) = split(Trickle {
        step: 100,
        ..Trickle::default()
    });
    let pong = tungstenite_bytes(&[Message::Pong(Bytes::from_static(b"p"))]);
    smol::block_on(async {
        {
            let mut sending = std::pin::pin!(sink.send_frame(false, shared(1000)));
            assert!(
                futures_lite::future::poll_once(sending.as_mut())
                    .await
                    .is_none()
            );
            read.write_all(&pong).await.unwrap();
            read.flush().await.unwrap();
            sending.await.unwrap();
        }
        sink.send_frame(false, shared(10)).await.unwrap();
    });
    let mut expected = tungstenite_bytes(&[text(1000)]);
    expected.extend_from_slice(&pong);
    expected.extend(tungstenite_bytes(&[text(10)]));
    assert!(lock(&sink.socket).stream.written == expected);
}

/// Nothing is sent after a close, shared frames included.
#[test]
fn no_shared_frame_is_sent_after_a_close() {
    let (mut sink, _read) = split(Trickle {
        step: usize::MAX,
        ..Trickle::default()
    });
    smol::block_on(async {
        sink.close().await.unwrap();
        let err = sink.send_frame(false, shared(5)).await.unwrap_err();
        assert!(
            matches!(err, WsError::Protocol(ProtocolError::SendAfterClosing)),
            "{err}"
        );
    });
    assert_eq!(
        lock(&sink.socket).stream.written,
        tungstenite_bytes(&[Message::Close(None)])
    );
}

mod tls;
