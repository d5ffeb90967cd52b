//! Over TLS, on real sockets: each frame the server sends is one write of one record.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite};
use psmonitor_tls::{CertSource, ClientTrust, ServerTls};

use super::*;

/// A socket that keeps a copy of each write it is given.
#[derive(Debug)]
struct Recorded {
    stream: TcpStream,
    writes: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl AsyncRead for Recorded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(Pin::new(&mut self.stream).poll_write_vectored(cx, bufs))?;
        let written: Vec<u8> = bufs
            .iter()
            .flat_map(|b| b.iter().copied())
            .take(n)
            .collect();
        self.writes.lock().unwrap().push(written);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_close(cx)
    }
}

/// The TLS records in `bytes`: (content type, length of the record's body).
fn records(mut bytes: &[u8]) -> Vec<(u8, usize)> {
    let mut found = Vec::new();
    while bytes.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        found.push((bytes[0], len));
        bytes = &bytes[(5 + len).min(bytes.len())..];
    }
    assert!(bytes.is_empty(), "a record cut short");
    found
}

/// Each shared frame (a due ping with it or not) leaves in one write holding one application
/// data record, and the client reads tungstenite's bytes out of them.
#[test]
fn over_tls_each_frame_is_one_record_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let tls = ServerTls::load(CertSource::SelfSigned {
        data_dir: dir.path().to_owned(),
        names: vec!["localhost".to_owned()],
    })
    .unwrap();
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = ClientTrust {
            fingerprint: Some(tls.fingerprint()),
            ..ClientTrust::default()
        }
        .client("localhost", port)
        .unwrap();
        let writes = Arc::new(Mutex::new(Vec::new()));
        let (server, client) = futures_lite::future::zip(
            async {
                let (stream, _) = listener.accept().await.unwrap();
                let recorded = Recorded {
                    stream,
                    writes: writes.clone(),
                };
                tls.acceptor().accept(recorded).await.unwrap()
            },
            async {
                let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                client.connect(stream).await.unwrap()
            },
        )
        .await;
        // The handshake's writes (and the session ticket) are not frames.
        writes.lock().unwrap().clear();
        let (mut sink, _read) = split(server);
        let lens = [940, 0, 126, 5000];
        for (i, &len) in lens.iter().enumerate() {
            sink.send_frame(i == 1, shared(len)).await.unwrap();
        }
        let mut expected = Vec::new();
        for (i, &len) in lens.iter().enumerate() {
            if i == 1 {
                expected.push(Message::Ping(Bytes::new()));
            }
            expected.push(text(len));
        }
        let expected = tungstenite_bytes(&expected);
        let mut client = client;
        let mut received = vec![0; expected.len()];
        client.read_exact(&mut received).await.unwrap();
        assert!(received == expected, "the client reads tungstenite's bytes");
        let writes = writes.lock().unwrap();
        assert_eq!(writes.len(), lens.len(), "one write a frame");
        for write in writes.iter() {
            // Application data (23) sealed around the frame: one record per write.
            assert_eq!(records(write).len(), 1, "one record a frame");
            assert_eq!(records(write)[0].0, 23);
        }
    });
}
