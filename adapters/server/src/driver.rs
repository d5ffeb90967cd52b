//! The one task that owns the core's [`Hub`]: it turns messages from connection tasks into
//! inputs, reads the clock once per input, and carries out every output.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use async_channel::{Receiver, Sender};
use async_tungstenite::tungstenite::Utf8Bytes;
use futures_lite::FutureExt;
use psmonitor_core::hub::{
    ConnId, HttpRequest, HttpResponse, Hub, Input, JobId, Now, Output, ReqId,
};
use psmonitor_core::model::HostReading;

use crate::effects::Effects;

/// What a connection task tells the driver.
#[derive(Debug)]
pub(crate) enum HubMsg {
    /// An HTTP request; the response goes to `reply`.
    Request {
        /// Boxed: the hub queue preallocates a slot of the largest variant for each of its
        /// 16 Ki messages, so an inline request (168 bytes) made it a 3 MB allocation.
        request: Box<HttpRequest>,
        reply: Sender<HttpResponse>,
    },
    /// A websocket handshake completed; frames and the close go to `outbox`.
    Connected {
        conn: ConnId,
        query: Option<String>,
        peer: IpAddr,
        outbox: Sender<ConnCmd>,
    },
    /// A websocket connection ended.
    Disconnected { conn: ConnId },
    /// A password verification finished.
    Verified { job: JobId, ok: bool },
    /// A password verification could not be queued.
    Unverified { job: JobId },
    /// A host sample arrived.
    Sample(Box<HostReading>),
    /// The account in the database changed (a credentials reset).
    AccountChanged(Box<psmonitor_core::auth::Account>),
    /// Close every websocket and stop.
    Shutdown,
    /// The API tokens changed in the store.
    Tokens(Vec<psmonitor_core::auth::api_token::ApiToken>),
    /// The history store answered a request (boxed: history answers are large).
    HistoryAnswered(Box<(ReqId, psmonitor_core::hub::HistoryAnswer)>),
}

/// What the driver tells one websocket connection task.
#[derive(Debug, Clone)]
pub(crate) enum ConnCmd {
    /// Send this text frame (one buffer per tick, shared by every subscriber).
    Frame(Utf8Bytes),
    /// Send a close frame and end.
    Close(u16, &'static str),
}

/// A websocket connection's outbox: one frame waits at most (a second may be in the socket), and a
/// newer frame replaces a waiting one, so a slow reader skips frames instead of queueing them.
pub(crate) fn outbox() -> (Sender<ConnCmd>, Receiver<ConnCmd>) {
    async_channel::bounded(1)
}

/// Hands out connection ids; shared by the HTTP endpoint.
#[derive(Debug, Default)]
pub(crate) struct Ids(AtomicU64);

impl Ids {
    pub(crate) fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Reads the clock: the only place the server asks what time it is.
pub(crate) fn now() -> Now {
    Now {
        mono: Instant::now(),
        wall: SystemTime::now(),
    }
}

/// Runs the hub until a [`HubMsg::Shutdown`] has been handled or every sender is gone.
pub(crate) async fn run(mut hub: Hub, inbox: Receiver<HubMsg>, effects: Effects) {
    let mut replies: HashMap<ReqId, Sender<HttpResponse>> = HashMap::new();
    let mut outboxes: HashMap<ConnId, Sender<ConnCmd>> = HashMap::new();
    let mut next_req = 0u64;
    // Start with the hub's own deadline: with history on, the first sample is due at once, so
    // sampling runs from the first second, not from the first request.
    let mut deadline = drain(&mut hub, &mut replies, &mut outboxes, &effects);
    loop {
        let msg = match deadline {
            Some(at) => async { Some(inbox.recv().await) }.or(timer(at)).await,
            None => Some(inbox.recv().await),
        };
        let shutting_down = matches!(msg, Some(Ok(HubMsg::Shutdown)) | Some(Err(_)));
        let input = match msg {
            None => Input::Timeout,
            Some(Err(_)) => Input::Shutdown,
            Some(Ok(msg)) => match msg {
                HubMsg::Request { request, reply } => {
                    next_req += 1;
                    let req = ReqId(next_req);
                    replies.insert(req, reply);
                    Input::Request {
                        req,
                        request: *request,
                    }
                }
                HubMsg::Connected {
                    conn,
                    query,
                    peer,
                    outbox,
                } => {
                    outboxes.insert(conn, outbox);
                    Input::Connected { conn, query, peer }
                }
                HubMsg::Disconnected { conn } => {
                    outboxes.remove(&conn);
                    Input::Disconnected { conn }
                }
                HubMsg::Verified { job, ok } => Input::PasswordVerified { job, ok },
                HubMsg::Unverified { job } => Input::PasswordUnverified { job },
                HubMsg::Sample(reading) => Input::Sample(reading),
                HubMsg::AccountChanged(account) => Input::AccountChanged(account),
                HubMsg::Shutdown => Input::Shutdown,
                HubMsg::Tokens(tokens) => Input::TokensChanged(tokens),
                HubMsg::HistoryAnswered(answered) => {
                    let (req, answer) = *answered;
                    Input::HistoryAnswered { req, answer }
                }
            },
        };
        hub.handle_input(now(), input);
        deadline = drain(&mut hub, &mut replies, &mut outboxes, &effects);
        if shutting_down {
            return;
        }
    }
}

async fn timer(at: Instant) -> Option<Result<HubMsg, async_channel::RecvError>> {
    async_io::Timer::at(at).await;
    None
}

/// Carries out outputs until the hub waits; returns its next deadline.
fn drain(
    hub: &mut Hub,
    replies: &mut HashMap<ReqId, Sender<HttpResponse>>,
    outboxes: &mut HashMap<ConnId, Sender<ConnCmd>>,
    effects: &Effects,
) -> Option<Instant> {
    // The hub hands every subscriber the same `Arc<str>` for a tick: turn it into the websocket's
    // refcounted buffer once, not once per subscriber.
    let mut shared: Option<(Arc<str>, Utf8Bytes)> = None;
    loop {
        match hub.poll_output() {
            Output::Respond { req, response } => {
                if let Some(reply) = replies.remove(&req) {
                    // The client may have gone; nothing to do then.
                    let _ = reply.try_send(response);
                }
            }
            Output::Send { conn, frame } => {
                if let Some(outbox) = outboxes.get(&conn) {
                    let bytes = match &shared {
                        Some((arc, bytes)) if Arc::ptr_eq(arc, &frame) => bytes.clone(),
                        _ => {
                            let bytes = Utf8Bytes::from(frame.as_ref());
                            shared = Some((frame, bytes.clone()));
                            bytes
                        }
                    };
                    // Latest wins: a frame still waiting is replaced, never queued behind.
                    let _ = outbox.force_send(ConnCmd::Frame(bytes));
                }
            }
            Output::Close { conn, code, reason } => {
                if let Some(outbox) = outboxes.remove(&conn) {
                    let _ = outbox.force_send(ConnCmd::Close(code, reason));
                }
            }
            Output::VerifyPassword { job, phc, password } => effects.verify(job, phc, password),
            Output::Sample(request) => effects.sample(request),
            Output::HistoryAppend { unix_secs, values } => {
                effects.observe.append(unix_secs, values);
            }
            Output::History { req, request } => effects.observe.query(req, request),
            Output::TokenUsed { name, unix_secs } => effects.observe.token_used(name, unix_secs),
            Output::Wait(at) => return at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_reader_gets_only_the_latest_frame() {
        let (tx, rx) = outbox();
        for n in 0..5 {
            let _ = tx.force_send(ConnCmd::Frame(Utf8Bytes::from(format!("frame {n}"))));
        }
        assert_eq!(rx.len(), 1);
        match rx.try_recv() {
            Ok(ConnCmd::Frame(frame)) => assert_eq!(frame.as_str(), "frame 4"),
            other => panic!("expected the latest frame, got {other:?}"),
        }
        assert!(rx.try_recv().is_err());
    }

    /// The hub queue preallocates `HUB_QUEUE` slots of this size: keep big payloads boxed.
    #[test]
    fn hub_messages_stay_small() {
        assert!(
            std::mem::size_of::<HubMsg>() <= 80,
            "{}",
            std::mem::size_of::<HubMsg>()
        );
    }
}
