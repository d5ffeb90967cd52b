//! A minimal keep-alive HTTP/1.1 client for the three calls the load needs, and the shared login.
//!
//! psmonitor-client opens one connection per request, which is right for a client that calls
//! once a second but would measure TCP setup here. This one reuses its connection, so the
//! latency is the server's answer and nothing else.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use zeroize::Zeroizing;

use crate::LoadError;

/// Time allowed for connecting, or for one whole request and response.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response accepted.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;
/// A token is renewed once older than this (tokens live 60 s by default).
const RENEW_AFTER: Duration = Duration::from_secs(30);

/// Races `fut` against a timer.
pub(crate) async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, LoadError>>,
) -> Result<T, LoadError> {
    futures_lite::future::or(fut, async move {
        smol::Timer::after(limit).await;
        Err(LoadError::Timeout(limit))
    })
    .await
}

/// Opens a TCP connection with `TCP_NODELAY`.
pub(crate) async fn connect(addr: SocketAddr) -> Result<TcpStream, LoadError> {
    let stream = within(IO_TIMEOUT, async {
        TcpStream::connect(addr).await.map_err(LoadError::Io)
    })
    .await?;
    stream.set_nodelay(true).map_err(LoadError::Io)?;
    Ok(stream)
}

/// Status and body of one response.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// The error for an unexpected status on `path`, with the start of the body.
    pub(crate) fn status_error(&self, path: &'static str) -> LoadError {
        LoadError::Status {
            path,
            status: self.status,
            body: String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
        }
    }
}

/// One keep-alive connection; reconnects after an error or a `Connection: close`.
#[derive(Debug)]
pub(crate) struct HttpConn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl HttpConn {
    /// A connection to `addr`, opened on first use.
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Sends one request and reads the response, within [`IO_TIMEOUT`].
    pub(crate) async fn request(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<Response, LoadError> {
        let result = within(IO_TIMEOUT, self.exchange(method, path, bearer, body)).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<Response, LoadError> {
        if self.stream.is_none() {
            self.stream = Some(connect(self.addr).await?);
        }
        let stream = self.stream.as_mut().ok_or(LoadError::Closed)?;
        let mut out = Zeroizing::new(format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        ));
        if let Some(token) = bearer {
            out.push_str("Authorization: Bearer ");
            out.push_str(token);
            out.push_str("\r\n");
        }
        if !body.is_empty() {
            out.push_str("Content-Type: application/json\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = Zeroizing::new(out.as_bytes().to_vec());
        bytes.extend_from_slice(body);
        stream.write_all(&bytes).await.map_err(LoadError::Io)?;
        self.buf.clear();
        let (head_len, status, length, close) = loop {
            if let Some(head) = parse_head(&self.buf)? {
                break head;
            }
            read_more(stream, &mut self.buf).await?;
        };
        let end = head_len + length;
        while self.buf.len() < end {
            read_more(stream, &mut self.buf).await?;
        }
        let body = self.buf[head_len..end].to_vec();
        if close {
            self.stream = None;
        }
        Ok(Response { status, body })
    }
}

/// The head's length, status, body length and whether the server closes, once complete.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, u16, usize, bool)>, LoadError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(len) = res
        .parse(buf)
        .map_err(|e| LoadError::Protocol(format!("bad response head: {e}")))?
    else {
        return Ok(None);
    };
    let value = |name: &str| {
        res.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    if value("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        return Err(LoadError::Protocol(
            "chunked responses are not supported".into(),
        ));
    }
    let length = match value("content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| LoadError::Protocol(format!("bad content-length {v:?}")))?,
        None => 0,
    };
    if length > MAX_RESPONSE {
        return Err(LoadError::Protocol(format!(
            "response of {length} bytes is too large"
        )));
    }
    let close = value("connection").is_some_and(|v| v.contains("close"));
    Ok(Some((len, res.code.unwrap_or(0), length, close)))
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), LoadError> {
    if buf.len() > MAX_RESPONSE {
        return Err(LoadError::Protocol("response too large".into()));
    }
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.map_err(LoadError::Io)?;
    if n == 0 {
        return Err(LoadError::Closed);
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// A logged-in session.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub token: Zeroizing<String>,
    pub user_id: String,
    at: Instant,
}

/// Logs in on `conn` with `POST /authenticate`.
pub(crate) async fn login(
    conn: &mut HttpConn,
    user: &str,
    password: &str,
) -> Result<Session, LoadError> {
    let body =
        Zeroizing::new(serde_json::json!({ "username": user, "password": password }).to_string());
    let res = conn
        .request("POST", "/authenticate", None, body.as_bytes())
        .await?;
    if res.status != 200 {
        return Err(res.status_error("/authenticate"));
    }
    #[derive(serde::Deserialize)]
    struct Login {
        token: String,
        user_id: String,
    }
    let login: Login = serde_json::from_slice(&res.body)
        .map_err(|e| LoadError::Protocol(format!("bad /authenticate body: {e}")))?;
    Ok(Session {
        token: Zeroizing::new(login.token),
        user_id: login.user_id,
        at: Instant::now(),
    })
}

/// One session shared by every task, renewed when old or refused.
#[derive(Debug)]
pub(crate) struct Auth {
    addr: SocketAddr,
    user: String,
    password: Zeroizing<String>,
    session: smol::lock::Mutex<Option<Session>>,
}

impl Auth {
    /// Credentials for `addr`; nothing is sent yet.
    pub(crate) fn new(addr: SocketAddr, user: String, password: Zeroizing<String>) -> Self {
        Self {
            addr,
            user,
            password,
            session: smol::lock::Mutex::new(None),
        }
    }

    /// The current session, logging in first when there is none or it is old.
    pub(crate) async fn session(&self) -> Result<Session, LoadError> {
        let mut guard = self.session.lock().await;
        match guard.as_ref() {
            Some(s) if s.at.elapsed() < RENEW_AFTER => Ok(s.clone()),
            _ => {
                let mut conn = HttpConn::new(self.addr);
                let fresh = login(&mut conn, &self.user, &self.password).await?;
                *guard = Some(fresh.clone());
                Ok(fresh)
            }
        }
    }

    /// Forgets the session after a 401, so the next call logs in again.
    pub(crate) async fn invalidate(&self) {
        *self.session.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_heads() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nConnection: close\r\n\r\nhello";
        assert_eq!(
            parse_head(head).unwrap(),
            Some((head.len() - 5, 200, 5, true))
        );
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nconte").unwrap(), None);
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert!(parse_head(chunked).is_err());
        assert!(parse_head(b"NOT HTTP\r\n\r\n").is_err());
    }
}
