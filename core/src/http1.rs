//! HTTP/1.0 and 1.1, sans IO: request heads are parsed (with `httparse`) and checked against the
//! rules a proxy and a client rely on; bodies are framed by `Content-Length` or `chunked`;
//! responses are encoded to bytes; and [`Connection`] is the state machine of one connection
//! (keep-alive, pipelining, deadlines, `100-continue`, close), driven like the hub with `now`.
//! The adapter only moves bytes and arms timers.
//!
//! Anything ambiguous is refused rather than guessed: a request that two parsers could frame
//! differently (both `Content-Length` and `Transfer-Encoding`, conflicting lengths, a transfer
//! coding other than a lone `chunked`) gets a 400 and the connection is closed.

mod chunked;
mod conn;
mod head;
mod liveness;
mod response;

pub use chunked::{ChunkedDecoder, ChunkedError, MAX_TRAILER_BYTES, MAX_TRAILERS};
pub use conn::{
    CloseReason, ConnConfig, Connection, Input, KEEP_ALIVE_IDLE, LINGER_BYTES, LINGER_TIME, Output,
    PEER_WATCH_BYTES, Request,
};
pub use head::{BodyFraming, HeadError, Limits, RequestHead, Version, parse_head};
pub use liveness::{Due, Liveness, MIN_SILENCE_LIMIT, PING_EVERY, SILENCE_LIMIT, SILENT_CLOSE};
pub use response::{encode_response, reason};

#[cfg(test)]
mod tests;
