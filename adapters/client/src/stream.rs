//! [`Stream`]: a TCP connection to the server, plain or inside TLS, and how it is opened.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite};
use psmonitor_tls::TlsClient;
use psmonitor_tls::futures_rustls::client::TlsStream;
use smol::net::TcpStream;

use crate::error::ClientError;
use crate::http::{CONNECT_TIMEOUT, deadline};
use crate::url::Endpoint;

/// A connection to the server: plain TCP for `http://`, TLS for `https://`.
#[derive(Debug)]
pub enum Stream {
    /// Plain HTTP.
    Plain(TcpStream),
    /// HTTP inside TLS (boxed: the TLS state is large and most connections of a process are alike).
    Tls(Box<TlsStream<TcpStream>>),
}

/// Opens a connection to `ep` (with `TCP_NODELAY`) and, for `https://`, runs the TLS handshake
/// with `tls`, all within 5 s. For callers that speak to the server themselves (a websocket).
pub async fn open_stream(ep: &Endpoint, tls: Option<&TlsClient>) -> Result<Stream, ClientError> {
    let url = ep.http_url();
    deadline(CONNECT_TIMEOUT, url.clone(), async {
        let tcp = TcpStream::connect((ep.host.as_str(), ep.port))
            .await
            .map_err(|e| ClientError::unreachable(&url, e))?;
        // Small requests written in two parts must not wait for the server's delayed ACK.
        let _ = tcp.set_nodelay(true);
        if !ep.tls {
            return Ok(Stream::Plain(tcp));
        }
        let Some(tls) = tls else {
            return Err(ClientError::TlsSetup(format!("{url}: no tls settings")));
        };
        match tls.connect(tcp).await {
            Ok(stream) => Ok(Stream::Tls(Box::new(stream))),
            Err(e) => Err(handshake_error(&url, &e)),
        }
    })
    .await
}

/// A failed handshake: a refused certificate keeps its type, a lost connection is unreachable,
/// anything else (e.g. a plain-HTTP server on that port) is a protocol error.
fn handshake_error(url: &str, e: &io::Error) -> ClientError {
    match psmonitor_tls::trust_error(e) {
        Some(refused) => ClientError::Trust(refused),
        None if e.kind() == io::ErrorKind::InvalidData => ClientError::NotTls {
            url: url.to_owned(),
            reason: e.to_string(),
        },
        None => ClientError::unreachable(url, format!("tls handshake: {e}")),
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_close(cx),
            Stream::Tls(s) => Pin::new(s).poll_close(cx),
        }
    }
}
