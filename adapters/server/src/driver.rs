//! The one thread that owns the core's [`Hub`]: it turns messages from connection tasks into
//! inputs, reads the clock once per input, and carries out every output.
//!
//! It is a thread of its own, not a task on the connections' executor, and it waits for its
//! deadline by parking with a timeout, not with a reactor timer. So an idle tick costs only the
//! hub's own wakes (the deadline, then the sample's arrival): a task would wake an executor
//! thread that wakes its sibling in turn, and re-arming a reactor timer wakes the reactor's
//! thread, each of them every second.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Instant, SystemTime};

use async_channel::{Receiver, RecvError, Sender, TryRecvError};
use psmonitor_core::hub::{ConnId, HttpRequest, HttpResponse, Hub, Input, Now, Output, ReqId};
use psmonitor_history::Wanted;

use crate::effects::Effects;
use crate::ws_io::SharedFrame;

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
    /// Send this text frame (one buffer per tick, header included, shared by every subscriber).
    Frame(SharedFrame),
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

/// The hub's thread, running [`run`].
#[derive(Debug)]
pub(crate) struct DriverThread {
    finished: Receiver<()>,
    thread: JoinHandle<()>,
}

impl DriverThread {
    /// Resolves when the hub has handled the shutdown (or every sender is gone) and its effects
    /// are stopped (history flushed); a panic on the thread is passed on.
    pub(crate) async fn finished(self) {
        let _ = self.finished.recv().await;
        if let Err(panic) = self.thread.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Starts the hub's thread.
pub(crate) fn spawn(
    hub: Hub,
    inbox: Receiver<HubMsg>,
    effects: Effects,
) -> std::io::Result<DriverThread> {
    let (done, finished) = async_channel::bounded::<()>(1);
    let thread = thread::Builder::new()
        .name("psmonitor-hub".into())
        .spawn(move || {
            // Dropped last, after the effects: `finished` then means history is flushed.
            let _done = done;
            run(hub, &inbox, effects);
        })?;
    Ok(DriverThread { finished, thread })
}

/// Runs the hub on this thread until an [`Input::Shutdown`] has been handled or every sender is
/// gone.
pub(crate) fn run(mut hub: Hub, inbox: &Receiver<HubMsg>, effects: Effects) {
    let mut replies: HashMap<ReqId, Sender<HttpResponse>> = HashMap::new();
    let mut outboxes: HashMap<ConnId, crate::outbox::Sender<ConnCmd>> = HashMap::new();
    let mut next_req = 0u64;
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    // Start with the hub's own deadline: with history on, the first sample is due at once, so
    // sampling runs from the first second, not from the first request.
    let mut deadline = drain(&mut hub, &mut replies, &mut outboxes, &effects);
    loop {
        let msg = next(inbox, deadline, &waker);
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

/// Wakes the hub's thread out of [`thread::park`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// The next message, waiting on this thread at most until `deadline`: `None` when it passed
/// first, `Some(Err(_))` when every sender is gone.
fn next(
    inbox: &Receiver<HubMsg>,
    deadline: Option<Instant>,
    waker: &Waker,
) -> Option<Result<HubMsg, RecvError>> {
    match inbox.try_recv() {
        Ok(msg) => return Some(Ok(msg)),
        Err(TryRecvError::Closed) => return Some(Err(RecvError)),
        Err(TryRecvError::Empty) => {}
    }
    let mut cx = Context::from_waker(waker);
    let mut recv = pin!(inbox.recv());
    loop {
        if let Poll::Ready(msg) = recv.as_mut().poll(&mut cx) {
            return Some(msg);
        }
        // A wake (or a spurious return) goes round again: the receive is polled first.
        match deadline {
            None => thread::park(),
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                thread::park_timeout(left);
            }
        }
    }
}

/// Carries out outputs until the hub waits; returns its next deadline.
fn drain(
    hub: &mut Hub,
    replies: &mut HashMap<ReqId, Sender<HttpResponse>>,
    outboxes: &mut HashMap<ConnId, crate::outbox::Sender<ConnCmd>>,
    effects: &Effects,
) -> Option<Instant> {
    // The hub hands every subscriber the same `Arc<str>` for a tick: turn it into the websocket's
    // frame (a refcounted buffer, header included) once, not once per subscriber.
    let mut shared: Option<(Arc<str>, SharedFrame)> = None;
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
                            let bytes = SharedFrame::text(&frame);
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
            Output::Sample(request) => {
                // A sample taken here (one that reads no processes) is handed to the hub in the
                // same drain, as the sampler thread's would be through the inbox.
                if let Some(reading) = effects.sample(request) {
                    hub.handle_input(now(), Input::Sample(reading));
                }
            }
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
            let _ = tx.force_send(ConnCmd::Frame(SharedFrame::text(&format!("frame {n}"))));
        }
        assert_eq!(rx.len(), 1);
        match rx.try_recv() {
            Ok(ConnCmd::Frame(frame)) => assert_eq!(frame.payload(), b"frame 4"),
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

    /// The hub's thread parks until its deadline or a message: a message sent from another
    /// thread while it is parked wakes it, a deadline that passes first gives `None`, and a
    /// closed inbox says so.
    #[test]
    fn the_hub_thread_waits_for_a_message_or_its_deadline() {
        let (tx, inbox) = async_channel::bounded::<HubMsg>(4);
        let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
        let soon = Instant::now() + std::time::Duration::from_millis(20);
        assert!(next(&inbox, Some(soon), &waker).is_none());
        assert!(Instant::now() >= soon, "not before the deadline");
        let sender = thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(50));
            tx.send_blocking(HubMsg::input(Input::Timeout)).unwrap();
            tx
        });
        let far = Instant::now() + std::time::Duration::from_secs(60);
        match next(&inbox, Some(far), &waker) {
            Some(Ok(HubMsg::Input(input))) => assert!(matches!(*input, Input::Timeout)),
            other => panic!("expected the message, got {other:?}"),
        }
        assert!(Instant::now() < far);
        drop(sender.join().unwrap());
        assert!(matches!(next(&inbox, None, &waker), Some(Err(_))));
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
