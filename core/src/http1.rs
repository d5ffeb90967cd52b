//! HTTP/1.0 and 1.1 framing, sans IO: request heads are parsed (with `httparse`) and checked
//! against the rules a proxy and a client rely on; bodies are framed by `Content-Length` or
//! `chunked`; responses are encoded to bytes. The adapter only moves bytes and keeps time.
//!
//! Anything ambiguous is refused rather than guessed: a request that two parsers could frame
//! differently (both `Content-Length` and `Transfer-Encoding`, conflicting lengths, a transfer
//! coding other than a lone `chunked`) gets a 400 and the connection is closed.

mod chunked;
mod head;
mod response;

pub use chunked::{ChunkedDecoder, ChunkedError};
pub use head::{BodyFraming, HeadError, Limits, RequestHead, Version, parse_head};
pub use response::{encode_response, reason};

#[cfg(test)]
mod tests;
