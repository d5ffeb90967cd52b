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
use psmonitor_core::hub::{ConnId, HttpRequest, HttpResponse, Hub, Input, Now, Output, ReqId};
use psmonitor_history::Wanted;

use crate::effects::Effects;

/// What the driver's inbox carries: the hub's own inputs, and the two that come with a channel
/// back to a connection task (which the hub never sees).
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
        outbox: crate::outbox::Sender<ConnCmd>,
    },
    /// Any other input, as the hub takes it (boxed for the same reason as requests).
    Input(Box<Input>),
}

impl HubMsg {
    /// An input for the hub.
    pub(crate) fn input(input: Input) -> Self {
        Self::Input(Box::new(input))
    }
}

/// What the driver tells one websocket connection task.
#[derive(Debug, Clone)]
pub(crate) enum ConnCmd {
    /// Send this text frame (one buffer per tick, shared by every subscriber).
    Frame(Utf8Bytes),
    /// Send a close frame and end.
    Close(u16, &'static str),
    /// Send a ping (the connection's own liveness check; never sent by the driver).
    Ping,
}

/// A websocket connection's outbox: one frame waits at most (a second may be in the socket), and a
/// newer frame replaces a waiting one, so a slow reader skips frames instead of queueing them.
pub(crate) fn outbox() -> (
    crate::outbox::Sender<ConnCmd>,
    crate::outbox::Receiver<ConnCmd>,
) {
    crate::outbox::channel()
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
    let mut outboxes: HashMap<ConnId, crate::outbox::Sender<ConnCmd>> = HashMap::new();
    let mut next_req = 0u64;
    // Start with the hub's own deadline: with history on, the first sample is due at once, so
    // sampling runs from the first second, not from the first request.
    let mut deadline = drain(&mut hub, &mut replies, &mut outboxes, &effects);
    loop {
        let msg = match deadline {
            Some(at) => async { Some(inbox.recv().await) }.or(timer(at)).await,
            None => Some(inbox.recv().await),
        };
        let shutting_down = match &msg {
            Some(Ok(HubMsg::Input(input))) => matches!(**input, Input::Shutdown),
            Some(Err(_)) => true,
            _ => false,
        };
        let input = match msg {
            None => Input::Timeout,
            Some(Err(_)) => Input::Shutdown,
            Some(Ok(HubMsg::Request { request, reply })) => {
                next_req += 1;
                let req = ReqId(next_req);
                replies.insert(req, reply);
                Input::Request {
                    req,
                    request: *request,
                }
            }
            Some(Ok(HubMsg::Connected {
                conn,
                query,
                peer,
                outbox,
            })) => {
                outboxes.insert(conn, outbox);
                Input::Connected { conn, query, peer }
            }
            Some(Ok(HubMsg::Input(input))) => {
                if let Input::Disconnected { conn } = *input {
                    outboxes.remove(&conn);
                }
                *input
            }
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
    outboxes: &mut HashMap<ConnId, crate::outbox::Sender<ConnCmd>>,
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
            Output::VerifyPassword { job, phc, password } => {
                // Not queued: the hub hears it at once, not through a channel that could drop
                // it (a lost answer would hang the login and hold its verification slot).
                if effects.verify(job, phc, password).is_err() {
                    hub.handle_input(now(), Input::PasswordUnverified { job });
                }
            }
            Output::Sample(request) => effects.sample(request),
            Output::HistoryAppend { unix_secs, values } => {
                effects.observe.append(unix_secs, values);
            }
            Output::History { req, request } => {
                effects
                    .observe
                    .query(req, request, still_wanted(replies, req));
            }
            Output::TokenUsed { name, unix_secs } => effects.observe.token_used(name, unix_secs),
            Output::Wait(at) => return at,
        }
    }
}

/// Whether the answer to `req` is still wanted, asked later on another thread: the connection
/// drops its end of the reply channel when its client goes away.
fn still_wanted(replies: &HashMap<ReqId, Sender<HttpResponse>>, req: ReqId) -> Wanted {
    match replies.get(&req) {
        Some(reply) => {
            let reply = reply.clone();
            Box::new(move || !reply.is_closed())
        }
        None => Box::new(|| false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_wanted_until_its_connection_drops_the_reply() {
        let mut replies = HashMap::new();
        let (reply, answer) = async_channel::bounded(1);
        replies.insert(ReqId(1), reply);
        let wanted = still_wanted(&replies, ReqId(1));
        assert!(wanted());
        drop(answer);
        assert!(!wanted(), "the client went away");
        assert!(!still_wanted(&replies, ReqId(2))(), "an unknown request");
    }

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

    /// Issue 19: a verification that cannot be queued used to go back to the hub as a message
    /// that a full hub queue dropped, hanging the login and holding its verification slot. Now
    /// the driver tells the hub in the same drain: the login is answered 503 at once, and the
    /// slot is free for the next one.
    #[test]
    fn a_login_the_verifier_pool_cannot_take_is_answered_503_at_once() {
        use psmonitor_core::auth::Argon2Params;
        let dir = tempfile::tempdir().unwrap();
        let config = crate::testing::test_config(dir.path());
        let account =
            crate::testing::create_test_account(dir.path(), "pw", Argon2Params::testing());
        // No one ever reads the hub's inbox: an answer sent through it would be lost.
        let (hub_tx, _hub_rx) = async_channel::bounded(1);
        let (touch, _touches) = std::sync::mpsc::channel();
        let observe = crate::observe::Observe::start(&config, touch, hub_tx);
        let effects = Effects::with_full_verifier(observe);
        let hub_config = crate::hub_config(&config);
        // More logins than slots: a leaked slot would leave the last ones waiting, unanswered.
        let logins = hub_config.verify_slots as u64 + 2;
        let mut hub = Hub::new(hub_config, account, [7; 32], now());
        let mut replies = HashMap::new();
        let mut outboxes = HashMap::new();
        for n in 1..=logins {
            let (reply, answer) = async_channel::bounded(1);
            replies.insert(ReqId(n), reply);
            let request = HttpRequest {
                method: "POST".into(),
                path: "/authenticate".into(),
                query: None,
                authorization: None,
                host: None,
                accept: None,
                content_type: Some("application/json".into()),
                origin: None,
                body: br#"{"username":"PSMonitor","password":"pw"}"#.to_vec(),
                peer: "127.0.0.1".parse().unwrap(),
                if_none_match: None,
                secure: false,
            };
            hub.handle_input(
                now(),
                Input::Request {
                    req: ReqId(n),
                    request,
                },
            );
            let _ = drain(&mut hub, &mut replies, &mut outboxes, &effects);
            let response = answer.try_recv().expect("answered in the same drain");
            assert_eq!(response.status, 503, "login {n}");
            assert!(
                response
                    .headers
                    .iter()
                    .any(|(name, _)| *name == "Retry-After")
            );
        }
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
