//! A `Transfer-Encoding: chunked` body decoder that takes bytes as they come.

/// Why a chunked body was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkedError {
    /// A chunk size line, a chunk's end or a trailer line is malformed.
    #[error("malformed chunked body")]
    Malformed,
    /// The decoded body grew past the limit.
    #[error("request body too large")]
    TooLarge,
    /// More trailer lines, or more trailer bytes, than allowed.
    #[error("too many or too large chunked trailers")]
    Trailers,
}

impl ChunkedError {
    /// The HTTP status that answers this error.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::Malformed => 400,
            Self::TooLarge => 413,
            Self::Trailers => 431,
        }
    }
}

/// The longest trailer line (or chunk size line) accepted.
const MAX_TRAILER_LINE: usize = 8 * 1024;
/// The most trailer lines accepted.
pub const MAX_TRAILERS: usize = 16;
/// The most trailer bytes accepted, line ends included.
pub const MAX_TRAILER_BYTES: usize = 4 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a chunk size line.
    Size,
    /// Inside a chunk, with this many bytes to go.
    Data(u64),
    /// After a chunk's data, expecting CRLF.
    DataEnd,
    /// After the last chunk, reading trailer lines until an empty one.
    Trailers,
    /// The body is complete.
    Done,
}

/// Decodes one chunked body; feed it with [`ChunkedDecoder::decode`] until it says done.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
    max_body: usize,
    decoded: usize,
    trailers: usize,
    trailer_bytes: usize,
}

impl ChunkedDecoder {
    /// A decoder refusing bodies larger than `max_body` decoded bytes.
    #[must_use]
    pub fn new(max_body: usize) -> Self {
        Self {
            state: State::Size,
            max_body,
            decoded: 0,
            trailers: 0,
            trailer_bytes: 0,
        }
    }

    /// Decodes what it can of `input` into `out`; returns how many input bytes it consumed and
    /// whether the body is complete (bytes after it belong to the next request).
    pub fn decode(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(usize, bool), ChunkedError> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match self.state {
                State::Done => return Ok((pos, true)),
                State::Size => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((used, 0))) => {
                        pos += used;
                        self.state = State::Trailers;
                    }
                    Ok(httparse::Status::Complete((used, size))) => {
                        // Saturating: a size near u64::MAX must not wrap past the limit.
                        if (self.decoded as u64).saturating_add(size) > self.max_body as u64 {
                            return Err(ChunkedError::TooLarge);
                        }
                        pos += used;
                        self.state = State::Data(size);
                    }
                    Ok(httparse::Status::Partial) => {
                        if rest.len() > MAX_TRAILER_LINE {
                            return Err(ChunkedError::Malformed);
                        }
                        return Ok((pos, false));
                    }
                    Err(_) => return Err(ChunkedError::Malformed),
                },
                State::Data(left) => {
                    if rest.is_empty() {
                        return Ok((pos, false));
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&rest[..take]);
                    self.decoded += take;
                    pos += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd => match rest {
                    [] | [b'\r'] => return Ok((pos, false)),
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        self.state = State::Size;
                    }
                    [b'\n', ..] => {
                        pos += 1;
                        self.state = State::Size;
                    }
                    _ => return Err(ChunkedError::Malformed),
                },
                State::Trailers => match line(rest)? {
                    None if self.trailer_bytes + rest.len() > MAX_TRAILER_BYTES => {
                        return Err(ChunkedError::Trailers);
                    }
                    None => return Ok((pos, false)),
                    Some((0, used)) => {
                        pos += used;
                        self.state = State::Done;
                    }
                    // Trailer fields are read and ignored, within a cap in count and bytes.
                    Some((_, used)) => {
                        self.trailers += 1;
                        self.trailer_bytes += used;
                        if self.trailers > MAX_TRAILERS || self.trailer_bytes > MAX_TRAILER_BYTES {
                            return Err(ChunkedError::Trailers);
                        }
                        pos += used;
                    }
                },
            }
        }
    }
}

/// The next line: its length without the line end, and the bytes it takes with it; `None`
/// until a whole line is there.
fn line(buf: &[u8]) -> Result<Option<(usize, usize)>, ChunkedError> {
    match buf.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let content = if end > 0 && buf[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            Ok(Some((content, end + 1)))
        }
        None if buf.len() > MAX_TRAILER_LINE => Err(ChunkedError::Malformed),
        None => Ok(None),
    }
}
