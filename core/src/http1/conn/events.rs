//! What goes into a [`super::Connection`] and what comes out of it, and the settings every
//! connection of a server shares.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::KEEP_ALIVE_IDLE;
use crate::http1::{Limits, RequestHead};
use crate::hub::{HttpRequest, HttpResponse};

/// The settings of every connection of a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnConfig {
    /// Head and body size limits (the body cap is the hub's `max_body_bytes`).
    pub limits: Limits,
    /// Time allowed for a request head, again for its body, and for a response to drain.
    pub header_timeout: Duration,
    /// Time an idle keep-alive connection waits for its next request.
    pub keep_alive_idle: Duration,
    /// Silence after which a websocket subscriber is closed with 1008.
    pub silence_limit: Duration,
}

impl ConnConfig {
    /// Settings with the default keep-alive idle time.
    #[must_use]
    pub fn new(limits: Limits, header_timeout: Duration) -> Self {
        Self {
            limits,
            header_timeout,
            keep_alive_idle: KEEP_ALIVE_IDLE,
            silence_limit: crate::http1::SILENCE_LIMIT,
        }
    }
}

/// Something that happened on the connection.
#[derive(Debug)]
pub enum Input<'a> {
    /// Bytes read from the client.
    Read(&'a [u8]),
    /// The client closed its side, or reading failed. While the hub has the request (see
    /// [`Connection::watches_peer`](super::Connection::watches_peer)) the request is abandoned:
    /// the connection closes without waiting for the answer, as a client that closes with a
    /// request in flight has gone.
    ReadClosed,
    /// Every byte of the [`Output::Transmit`]s so far is written.
    Drained,
    /// The answer to the last [`Output::Request`].
    Response(HttpResponse),
    /// The deadline of the last [`Output::Wait`] passed.
    Timeout,
}

/// Something for the adapter to do.
#[derive(Debug)]
pub enum Output {
    /// Write these bytes, then report [`Input::Drained`].
    Transmit(Vec<u8>),
    /// Route this request (to the hub), then report [`Input::Response`].
    Request(Box<Request>),
    /// A websocket upgrade on `/connect`: hand the stream over with the bytes read past the head.
    Upgrade {
        /// The upgrade request.
        head: Box<RequestHead>,
        /// Bytes the client sent after the head.
        rest: Vec<u8>,
    },
    /// Close the write side (the answer is out); keep reading while
    /// [`Connection::wants_read`](super::Connection::wants_read).
    ShutdownWrite,
    /// Drop the connection.
    Close(CloseReason),
    /// Nothing to do until this instant or the next input.
    Wait(Option<Instant>),
}

/// Why a connection ended, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed its side.
    ClientClosed,
    /// The answer was sent and the connection is not kept alive.
    Done,
    /// No request came within the idle or head time.
    Idle,
    /// A response did not drain within the header timeout (a client that does not read).
    WriteStalled,
    /// An error answer was sent and the linger time is over.
    Refused,
    /// The connection became a websocket.
    Upgraded,
}

/// A complete request for the hub.
#[derive(Debug)]
pub struct Request {
    /// The head; a `HEAD` request reads `GET` here (its answer goes out without the body).
    pub head: RequestHead,
    /// The decoded body.
    pub body: Vec<u8>,
}

impl Request {
    /// The hub's view of it, from `peer`, over TLS or not.
    #[must_use]
    pub fn into_hub(self, peer: IpAddr, secure: bool) -> HttpRequest {
        let head = self.head;
        HttpRequest {
            authorization: head.header("authorization").map(str::to_owned),
            host: head.header("host").map(str::to_owned),
            if_none_match: head.header("if-none-match").map(str::to_owned),
            accept: head.header("accept").map(str::to_owned),
            content_type: head.header("content-type").map(str::to_owned),
            origin: head.header("origin").map(str::to_owned),
            method: head.method,
            path: head.path,
            query: head.query,
            body: self.body,
            peer,
            secure,
        }
    }
}
