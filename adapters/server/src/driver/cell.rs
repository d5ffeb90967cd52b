//! The hub and what carries out its outputs, behind one lock shared by the hub's thread and the
//! connection tasks.
//!
//! The hub's thread waits for messages and deadlines. A connection task that finds the hub free
//! and its inbox empty handles its request itself, on its own thread, instead of waking the
//! hub's thread and then being woken back: two cross-thread wakes (tens of µs each on a VM) were
//! most of a `GET /system`'s time once the hub had a thread of its own. When the hub is busy (a
//! tick fanning frames out) or messages wait, the request goes through the inbox as before, so
//! nothing overtakes what was sent earlier and no executor thread ever blocks on the lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};
use std::thread::Thread;
use std::time::Instant;

use async_channel::Sender;
use psmonitor_core::hub::{ConnId, HttpRequest, HttpResponse, Hub, Input, Output, ReqId};
use psmonitor_history::Wanted;

use super::{ConnCmd, HubMsg, now};
use crate::effects::Effects;
use crate::ws_io::SharedFrame;

/// The hub, shared: its thread's, and any connection task's that finds it free.
pub(crate) struct HubCell {
    /// `None` once the hub has handled its shutdown (its effects are stopped then).
    state: Mutex<Option<Driven>>,
    /// The hub's thread, woken when a request handled elsewhere brings its deadline forward.
    thread: OnceLock<Thread>,
}

impl std::fmt::Debug for HubCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubCell").finish_non_exhaustive()
    }
}

/// A request the hub could not take on the caller's thread, given back to go through its inbox.
pub(crate) type NotTaken = (Box<HttpRequest>, Sender<HttpResponse>);

impl HubCell {
    /// A cell holding `hub`, whose outputs `effects` carry out.
    pub(crate) fn new(hub: Hub, effects: Effects) -> Self {
        Self {
            state: Mutex::new(Some(Driven {
                hub,
                replies: HashMap::new(),
                outboxes: HashMap::new(),
                next_req: 0,
                effects,
                deadline: None,
            })),
            thread: OnceLock::new(),
        }
    }

    /// Notes the calling thread as the hub's (the one to wake for an earlier deadline).
    pub(crate) fn set_thread(&self) {
        let _ = self.thread.set(std::thread::current());
    }

    /// The hub and its effects, waiting for the lock; a panic while it was held is passed on
    /// (the hub's state cannot be trusted after one).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Option<Driven>> {
        self.state.lock().expect("the hub panicked")
    }

    /// Handles `request` on this thread when nobody holds the hub; gives it back otherwise, or
    /// when the hub has stopped. The caller checks that nothing waits in the inbox first.
    pub(crate) fn try_request(
        &self,
        request: Box<HttpRequest>,
        reply: Sender<HttpResponse>,
    ) -> Result<(), NotTaken> {
        let mut guard = match self.state.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::WouldBlock | TryLockError::Poisoned(_)) => {
                return Err((request, reply));
            }
        };
        let Some(driven) = guard.as_mut() else {
            return Err((request, reply));
        };
        let before = driven.deadline;
        driven.handle(Some(HubMsg::Request { request, reply }));
        let sooner = driven
            .deadline
            .is_some_and(|now| before.is_none_or(|was| now < was));
        drop(guard);
        if sooner && let Some(thread) = self.thread.get() {
            thread.unpark();
        }
        Ok(())
    }
}

/// The hub with the channels back to its requests and websockets, and its effects.
pub(crate) struct Driven {
    hub: Hub,
    replies: HashMap<ReqId, Sender<HttpResponse>>,
    outboxes: HashMap<ConnId, crate::outbox::Sender<ConnCmd>>,
    next_req: u64,
    effects: Effects,
    /// When the hub next wants [`Input::Timeout`], as of its last output.
    deadline: Option<Instant>,
}

impl Driven {
    /// When the hub next wants [`Input::Timeout`].
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Hands the hub `msg` (`None`: its deadline passed) and carries out every output; whether
    /// that was the shutdown (or every sender is gone).
    pub(crate) fn handle(&mut self, msg: Option<HubMsg>) -> bool {
        let mut shutting_down = false;
        let input = match msg {
            None => Input::Timeout,
            Some(HubMsg::Request { request, reply }) => {
                self.next_req += 1;
                let req = ReqId(self.next_req);
                self.replies.insert(req, reply);
                Input::Request {
                    req,
                    request: *request,
                }
            }
            Some(HubMsg::Connected {
                conn,
                query,
                peer,
                outbox,
            }) => {
                self.outboxes.insert(conn, outbox);
                Input::Connected { conn, query, peer }
            }
            Some(HubMsg::Input(input)) => {
                match *input {
                    Input::Disconnected { conn } => {
                        self.outboxes.remove(&conn);
                    }
                    Input::Shutdown => shutting_down = true,
                    _ => {}
                }
                *input
            }
        };
        self.hub.handle_input(now(), input);
        self.drain();
        shutting_down
    }

    /// Carries out outputs until the hub waits, and notes its next deadline.
    pub(crate) fn drain(&mut self) {
        self.deadline = drain(
            &mut self.hub,
            &mut self.replies,
            &mut self.outboxes,
            &self.effects,
        );
    }
}

/// Carries out outputs until the hub waits; returns its next deadline.
pub(super) fn drain(
    hub: &mut Hub,
    replies: &mut HashMap<ReqId, Sender<HttpResponse>>,
    outboxes: &mut HashMap<ConnId, crate::outbox::Sender<ConnCmd>>,
    effects: &Effects,
) -> Option<Instant> {
    // The hub hands every subscriber the same `Arc<str>` for a tick: turn it into the websocket's
    // frame (a refcounted buffer, header included) once, not once per subscriber.
    let mut shared: Option<(std::sync::Arc<str>, SharedFrame)> = None;
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
                        Some((arc, bytes)) if std::sync::Arc::ptr_eq(arc, &frame) => bytes.clone(),
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
pub(super) fn still_wanted(replies: &HashMap<ReqId, Sender<HttpResponse>>, req: ReqId) -> Wanted {
    match replies.get(&req) {
        Some(reply) => {
            let reply = reply.clone();
            Box::new(move || !reply.is_closed())
        }
        None => Box::new(|| false),
    }
}
