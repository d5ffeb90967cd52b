//! The hub target's input: a hub configuration and a list of steps in a small byte format of
//! its own (rather than `arbitrary`'s), so seeds can be written from the protocol transcripts
//! with [`encode`] and every byte string still decodes to something.
//!
//! Format: 1 config byte, then steps. A step is an opcode byte (taken modulo the number of
//! kinds) and its fields: a number is one byte, a text is a length byte and that many bytes
//! (lossily UTF-8), an optional text is a text whose length byte `0xff` means none. Input that
//! ends inside a step ends the list.

/// How a request authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// A token the account signed just now.
    Fresh,
    /// A token the account signed 120 s ago (expired).
    Stale,
    /// The API token of scope `read`.
    ApiRead,
    /// The API token of scope `metrics`.
    ApiMetrics,
    /// This header text.
    Raw(String),
}

/// What a request's body holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Nothing.
    Empty,
    /// A login for the account's user name (`true`) or another.
    Login(bool),
    /// These bytes.
    Raw(Vec<u8>),
}

/// One HTTP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method: [`METHODS`] by index, else the text.
    pub method: Result<u8, String>,
    /// The path: [`PATHS`] by index, else the text.
    pub path: Result<u8, String>,
    /// The raw query.
    pub query: Option<String>,
    /// The credential.
    pub auth: Auth,
    /// The body.
    pub body: Body,
    /// The `Host` header.
    pub host: Option<String>,
    /// The `Accept` header.
    pub accept: Option<String>,
    /// The `If-None-Match` header.
    pub if_none_match: Option<String>,
    /// The peer: one of four addresses (two IPv4, two IPv6 in one /64).
    pub peer: u8,
    /// Whether it came over TLS.
    pub secure: bool,
}

/// The query of a websocket upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// A worker created earlier (by index, most recent first), for the account's user id or
    /// another subscriber, with `detail=full` or not.
    Worker {
        /// Which worker, counted from the most recent.
        back: u8,
        /// Whether `subscriber` is the account's user id.
        right_subscriber: bool,
        /// Whether `detail=full` is asked for.
        detail: bool,
    },
    /// This raw query.
    Raw(Option<String>),
}

/// One thing that happens to the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An HTTP request arrives.
    Request(Request),
    /// A websocket handshake completes with connection id `conn` (mod 8).
    Connect(u8, Query),
    /// Connection `conn` (mod 8) ends.
    Disconnect(u8),
    /// A pending password verification (by index) finishes, matching or not.
    Verified(u8, bool),
    /// A pending password verification (by index) could not run.
    Unverified(u8),
    /// A sample the hub asked for arrives: fixture reading by index.
    Sample(u8),
    /// The clock moves on by this many tens of milliseconds, then the deadline input.
    Advance(u8),
    /// The account changes: a new signing secret (`true`) or only a new name.
    Account(bool),
    /// The server shuts down.
    Shutdown,
    /// The API tokens now stored: read token present, metrics token present.
    Tokens(bool, bool),
    /// A pending history query (by index) is answered: answer kind.
    History(u8, u8),
}

/// The methods requests pick from by index.
pub const METHODS: [&str; 5] = ["GET", "POST", "OPTIONS", "PUT", "HEAD"];
/// The paths requests pick from by index.
pub const PATHS: [&str; 13] = [
    "/authenticate",
    "/refresh",
    "/worker",
    "/system",
    "/network",
    "/connect",
    "/metrics",
    "/history",
    "/history/series",
    "/",
    "/assets/app.js",
    "/nope",
    "/system/",
];

/// Reads fields off the front of the input.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn bytes(&mut self) -> Option<Vec<u8>> {
        let len = usize::from(self.byte()?);
        let bytes = self.0.get(..len)?.to_vec();
        self.0 = &self.0[len..];
        Some(bytes)
    }

    fn text(&mut self) -> Option<String> {
        Some(String::from_utf8_lossy(&self.bytes()?).into_owned())
    }

    fn opt_text(&mut self) -> Option<Option<String>> {
        if self.0.first() == Some(&0xff) {
            self.0 = &self.0[1..];
            return Some(None);
        }
        self.text().map(Some)
    }

    /// An index below `n` as `Ok`, or (for `n` and above) a text as `Err`.
    fn pick(&mut self, n: u8) -> Option<Result<u8, String>> {
        let b = self.byte()?;
        if b < n {
            Some(Ok(b))
        } else {
            self.text().map(Err)
        }
    }

    fn request(&mut self) -> Option<Request> {
        let method = self.pick(METHODS.len() as u8)?;
        let path = self.pick(PATHS.len() as u8)?;
        let query = self.opt_text()?;
        let auth = match self.byte()? % 6 {
            0 => Auth::None,
            1 => Auth::Fresh,
            2 => Auth::Stale,
            3 => Auth::ApiRead,
            4 => Auth::ApiMetrics,
            _ => Auth::Raw(self.text()?),
        };
        let body = match self.byte()? % 4 {
            0 => Body::Empty,
            1 => Body::Login(true),
            2 => Body::Login(false),
            _ => Body::Raw(self.bytes()?),
        };
        let flags = self.byte()?;
        let host = self.opt_text()?;
        let accept = self.opt_text()?;
        let if_none_match = self.opt_text()?;
        Some(Request {
            method,
            path,
            query,
            auth,
            body,
            host,
            accept,
            if_none_match,
            peer: flags & 3,
            secure: flags & 4 != 0,
        })
    }

    fn step(&mut self) -> Option<Step> {
        Some(match self.byte()? % 11 {
            0 => Step::Request(self.request()?),
            1 => {
                let conn = self.byte()?;
                let query = match self.byte()? {
                    b if b & 0x80 == 0 => Query::Worker {
                        back: b & 0x0f,
                        right_subscriber: b & 0x10 == 0,
                        detail: b & 0x20 != 0,
                    },
                    _ => Query::Raw(self.opt_text()?),
                };
                Step::Connect(conn, query)
            }
            2 => Step::Disconnect(self.byte()?),
            3 => {
                let b = self.byte()?;
                Step::Verified(b >> 1, b & 1 == 1)
            }
            4 => Step::Unverified(self.byte()?),
            5 => Step::Sample(self.byte()?),
            6 => Step::Advance(self.byte()?),
            7 => Step::Account(self.byte()? & 1 == 1),
            8 => Step::Shutdown,
            9 => {
                let b = self.byte()?;
                Step::Tokens(b & 1 == 1, b & 2 != 0)
            }
            _ => Step::History(self.byte()?, self.byte()?),
        })
    }
}

/// The most steps one input runs.
pub const MAX_STEPS: usize = 256;

/// The config byte and the steps of `data`.
#[must_use]
pub fn decode(data: &[u8]) -> (u8, Vec<Step>) {
    let mut reader = Reader(data);
    let config = reader.byte().unwrap_or(0);
    let mut steps = Vec::new();
    while steps.len() < MAX_STEPS {
        let Some(step) = reader.step() else { break };
        steps.push(step);
    }
    (config, steps)
}

/// The bytes [`decode`] reads as `config` and `steps` (texts longer than 254 bytes are cut).
#[must_use]
pub fn encode(config: u8, steps: &[Step]) -> Vec<u8> {
    let mut w = Writer(vec![config]);
    for step in steps {
        w.step(step);
    }
    w.0
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, bytes: &[u8]) {
        let bytes = &bytes[..bytes.len().min(254)];
        self.0.push(bytes.len() as u8);
        self.0.extend_from_slice(bytes);
    }

    fn opt_text(&mut self, text: Option<&String>) {
        match text {
            None => self.0.push(0xff),
            Some(t) => self.bytes(t.as_bytes()),
        }
    }

    fn pick(&mut self, value: &Result<u8, String>, n: u8) {
        match value {
            Ok(i) => self.0.push(*i),
            Err(text) => {
                self.0.push(n);
                self.bytes(text.as_bytes());
            }
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Request(r) => {
                self.0.push(0);
                self.pick(&r.method, METHODS.len() as u8);
                self.pick(&r.path, PATHS.len() as u8);
                self.opt_text(r.query.as_ref());
                match &r.auth {
                    Auth::None => self.0.push(0),
                    Auth::Fresh => self.0.push(1),
                    Auth::Stale => self.0.push(2),
                    Auth::ApiRead => self.0.push(3),
                    Auth::ApiMetrics => self.0.push(4),
                    Auth::Raw(t) => {
                        self.0.push(5);
                        self.bytes(t.as_bytes());
                    }
                }
                match &r.body {
                    Body::Empty => self.0.push(0),
                    Body::Login(true) => self.0.push(1),
                    Body::Login(false) => self.0.push(2),
                    Body::Raw(b) => {
                        self.0.push(3);
                        self.bytes(b);
                    }
                }
                self.0.push((r.peer & 3) | if r.secure { 4 } else { 0 });
                self.opt_text(r.host.as_ref());
                self.opt_text(r.accept.as_ref());
                self.opt_text(r.if_none_match.as_ref());
            }
            Step::Connect(conn, query) => {
                self.0.extend([1, *conn]);
                match query {
                    Query::Worker {
                        back,
                        right_subscriber,
                        detail,
                    } => self.0.push(
                        (back & 0x0f)
                            | if *right_subscriber { 0 } else { 0x10 }
                            | if *detail { 0x20 } else { 0 },
                    ),
                    Query::Raw(q) => {
                        self.0.push(0x80);
                        self.opt_text(q.as_ref());
                    }
                }
            }
            Step::Disconnect(c) => self.0.extend([2, *c]),
            Step::Verified(i, ok) => self.0.extend([3, (i << 1) | u8::from(*ok)]),
            Step::Unverified(i) => self.0.extend([4, *i]),
            Step::Sample(i) => self.0.extend([5, *i]),
            Step::Advance(t) => self.0.extend([6, *t]),
            Step::Account(rotate) => self.0.extend([7, u8::from(*rotate)]),
            Step::Shutdown => self.0.push(8),
            Step::Tokens(read, metrics) => {
                self.0
                    .extend([9, u8::from(*read) | if *metrics { 2 } else { 0 }]);
            }
            Step::History(i, kind) => self.0.extend([10, *i, *kind]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_steps_decode_to_themselves() {
        let request = Request {
            method: Err("PATCH".to_owned()),
            path: Ok(3),
            query: Some("a=b".to_owned()),
            auth: Auth::Raw("Bearer x".to_owned()),
            body: Body::Raw(vec![0xff, 0, 1]),
            host: None,
            accept: Some(String::new()),
            if_none_match: Some("\"etag\"".to_owned()),
            peer: 3,
            secure: true,
        };
        let steps = vec![
            Step::Request(request),
            Step::Connect(5, Query::Raw(None)),
            Step::Connect(
                1,
                Query::Worker {
                    back: 2,
                    right_subscriber: false,
                    detail: true,
                },
            ),
            Step::Disconnect(1),
            Step::Verified(4, true),
            Step::Unverified(2),
            Step::Sample(9),
            Step::Advance(200),
            Step::Account(true),
            Step::Shutdown,
            Step::Tokens(true, false),
            Step::History(1, 2),
        ];
        assert_eq!(decode(&encode(0x2c, &steps)), (0x2c, steps));
    }

    #[test]
    fn any_bytes_decode_and_a_cut_step_ends_the_list() {
        assert_eq!(decode(&[]), (0, Vec::new()));
        // A request cut inside its fields is dropped; the step before it stays.
        assert_eq!(decode(&[7, 8, 0, 1]), (7, vec![Step::Shutdown]));
    }
}
