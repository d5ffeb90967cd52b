//! [`Sock`]: an accepted TCP connection that writes with `send(2)`.
//!
//! `async_net::TcpStream` writes with `write(2)` and `writev(2)`, which go through the file layer
//! first (the descriptor's position lock, the iovec copied in, the permission and fsnotify
//! checks) before the socket's `sendmsg`; `send(2)` goes to the socket directly. A subscriber is
//! sent one frame a second in one write, so that is one of those walks per frame per subscriber.
//! Reads are as async-net's (`recv(2)`); readiness comes from async-io's reactor, as there.

use std::future::Future;
use std::io::{self, IoSlice, Read};
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use async_io::{Async, ReadableOwned, WritableOwned};
use futures_lite::{AsyncRead, AsyncWrite};
use rustix::io::Errno;
use rustix::net::{SendAncillaryBuffer, SendFlags};

/// A connected TCP socket, registered with async-io's reactor.
#[derive(Debug)]
pub(crate) struct Sock {
    inner: Arc<Async<TcpStream>>,
    /// Waits for the socket to become readable. Made when a read finds nothing, as async-net
    /// does: a new wait counts only events after it (`Async::poll_readable` would also count
    /// the one that woke the last read, and cost a `recv` that finds nothing).
    readable: Option<ReadableOwned<TcpStream>>,
    /// Waits for room to send, the same way.
    writable: Option<WritableOwned<TcpStream>>,
}

impl From<async_net::TcpStream> for Sock {
    fn from(stream: async_net::TcpStream) -> Self {
        Self {
            inner: stream.into(),
            readable: None,
            writable: None,
        }
    }
}

/// A socket that is gone is `EPIPE` here, not a `SIGPIPE` that would end the process.
const FLAGS: SendFlags = SendFlags::NOSIGNAL;

impl Sock {
    /// Sends from `bufs` (one `send(2)` for one buffer, `sendmsg(2)` for several) once the socket
    /// takes bytes.
    fn poll_send(&mut self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        loop {
            let sent = match bufs {
                [buf] => rustix::net::send(&*self.inner, buf, FLAGS),
                _ => rustix::net::sendmsg(
                    &*self.inner,
                    bufs,
                    &mut SendAncillaryBuffer::default(),
                    FLAGS,
                ),
            };
            match sent {
                Ok(n) => {
                    self.writable = None;
                    return Poll::Ready(Ok(n));
                }
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => {}
                Err(e) => {
                    self.writable = None;
                    return Poll::Ready(Err(e.into()));
                }
            }
            let inner = &self.inner;
            let writable = self
                .writable
                .get_or_insert_with(|| inner.clone().writable_owned());
            let ready = ready!(Pin::new(writable).poll(cx));
            self.writable = None;
            ready?;
        }
    }
}

impl AsyncRead for Sock {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            match this.inner.get_ref().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => {
                    this.readable = None;
                    return Poll::Ready(res);
                }
            }
            let inner = &this.inner;
            let readable = this
                .readable
                .get_or_insert_with(|| inner.clone().readable_owned());
            let ready = ready!(Pin::new(readable).poll(cx));
            this.readable = None;
            ready?;
        }
    }
}

impl AsyncWrite for Sock {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_send(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_send(cx, bufs)
    }

    /// Nothing is buffered here.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the sending side down, as async-net does.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.inner.get_ref().shutdown(Shutdown::Write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    /// A connected pair on 127.0.0.1: the server's end as a [`Sock`], and the client's.
    async fn pair() -> (Sock, async_net::TcpStream) {
        let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepted, client) =
            futures_lite::future::zip(listener.accept(), async_net::TcpStream::connect(addr)).await;
        (Sock::from(accepted.unwrap().0), client.unwrap())
    }

    /// What one buffer, several buffers and a closed sending side look like from the peer, and
    /// what the peer sends is read.
    #[test]
    fn sends_one_or_several_buffers_and_reads() {
        smol::block_on(async {
            let (mut sock, mut client) = pair().await;
            sock.write_all(b"one buffer;").await.unwrap();
            let bufs = [IoSlice::new(b"two "), IoSlice::new(b"buffers")];
            let n = sock.write_vectored(&bufs).await.unwrap();
            assert_eq!(n, 11, "a socket with room takes both at once");
            sock.close().await.unwrap();
            let mut got = String::new();
            client.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "one buffer;two buffers");
            client.write_all(b"from the client").await.unwrap();
            let mut buf = [0; 15];
            sock.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"from the client");
        });
    }

    /// More than the socket buffers hold: the writer waits for room (the reactor wakes it) and
    /// every byte arrives in order.
    #[test]
    fn a_full_socket_waits_for_room() {
        smol::block_on(async {
            let (mut sock, mut client) = pair().await;
            let sent: Vec<u8> = (0..8 << 20).map(|i| (i % 251) as u8).collect();
            let writing = async {
                for chunk in sent.chunks(100_000) {
                    sock.write_all(chunk).await.unwrap();
                }
                sock.close().await.unwrap();
            };
            let mut got = Vec::new();
            let reading = client.read_to_end(&mut got);
            let ((), read) = futures_lite::future::zip(writing, reading).await;
            assert_eq!(read.unwrap(), sent.len());
            assert!(got == sent);
        });
    }

    /// Writing to a connection the peer closed is an error (not a signal), once the peer's
    /// reset has come back.
    #[test]
    fn writing_after_the_peer_closed_is_an_error() {
        smol::block_on(async {
            let (mut sock, client) = pair().await;
            drop(client);
            // The first write is taken; on loopback the peer's reset is back before the next.
            let mut result = Ok(());
            for _ in 0..1000 {
                result = sock.write_all(&[0; 1024]).await;
                if result.is_err() {
                    break;
                }
            }
            let err = result.unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ),
                "{err}"
            );
        });
    }
}
