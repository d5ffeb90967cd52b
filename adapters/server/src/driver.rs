//! The hub's thread: it turns messages from connection tasks into the core's [`Hub`] inputs,
//! reads the clock once per input, and carries out every output. It shares the hub (see
//! [`cell`]) with connection tasks that find it free.
//!
//! It is a thread of its own, not a task on the connections' executor, and it waits for its
//! deadline by parking with a timeout, not with a reactor timer. So an idle tick costs only the
//! hub's own wakes (the deadline, then the sample's arrival): a task would wake an executor
//! thread that wakes its sibling in turn, and re-arming a reactor timer wakes the reactor's
//! thread, each of them every second.

mod cell;

use std::future::Future;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Instant, SystemTime};

use async_channel::{Receiver, Sender, TryRecvError};
use psmonitor_core::hub::{ConnId, HttpRequest, HttpResponse, Hub, Input, Now};

pub(crate) use cell::HubCell;

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

/// Starts the hub's thread; the cell it returns lets connection tasks handle a request
/// themselves when the hub is free (see [`cell`]).
pub(crate) fn spawn(
    hub: Hub,
    inbox: Receiver<HubMsg>,
    effects: Effects,
) -> std::io::Result<(DriverThread, Arc<HubCell>)> {
    let (done, finished) = async_channel::bounded::<()>(1);
    let cell = Arc::new(HubCell::new(hub, effects));
    let thread = thread::Builder::new().name("psmonitor-hub".into()).spawn({
        let cell = cell.clone();
        move || {
            // Dropped last, after the effects: `finished` then means history is flushed.
            let _done = done;
            run(&cell, &inbox);
        }
    })?;
    Ok((DriverThread { finished, thread }, cell))
}

/// Runs the hub's thread until an [`Input::Shutdown`] has been handled or every sender is gone,
/// then stops the hub's effects.
pub(crate) fn run(cell: &HubCell, inbox: &Receiver<HubMsg>) {
    cell.set_thread();
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    // Start with the hub's own deadline: with history on, the first sample is due at once, so
    // sampling runs from the first second, not from the first request.
    let mut deadline = match cell.lock().as_mut() {
        Some(driven) => {
            driven.drain();
            driven.deadline()
        }
        None => return,
    };
    loop {
        let msg = match next(inbox, deadline, &waker) {
            Next::Message(msg) => Some(msg),
            Next::Due => None,
            Next::Closed => Some(HubMsg::input(Input::Shutdown)),
            Next::Woken => {
                // A request handled on a connection's thread may have moved the deadline.
                match cell.lock().as_ref() {
                    Some(driven) => deadline = driven.deadline(),
                    None => return,
                }
                continue;
            }
        };
        let mut guard = cell.lock();
        let Some(driven) = guard.as_mut() else {
            return;
        };
        let shutting_down = driven.handle(msg);
        deadline = driven.deadline();
        if shutting_down {
            // Taken out under the lock, so no request is handled after the shutdown; dropped
            // here, which stops the effects (flushes history) before `finished` resolves.
            let driven = guard.take();
            drop(guard);
            drop(driven);
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

/// What woke the hub's thread.
#[derive(Debug)]
enum Next {
    /// A message.
    Message(HubMsg),
    /// The deadline passed first.
    Due,
    /// Every sender is gone.
    Closed,
    /// An unpark without a message: the deadline may have moved (or a spurious return).
    Woken,
}

/// The next message, waiting on this thread at most until `deadline`.
fn next(inbox: &Receiver<HubMsg>, deadline: Option<Instant>, waker: &Waker) -> Next {
    match inbox.try_recv() {
        Ok(msg) => return Next::Message(msg),
        Err(TryRecvError::Closed) => return Next::Closed,
        Err(TryRecvError::Empty) => {}
    }
    let mut cx = Context::from_waker(waker);
    let mut recv = pin!(inbox.recv());
    if let Poll::Ready(msg) = recv.as_mut().poll(&mut cx) {
        return msg.map_or(Next::Closed, Next::Message);
    }
    match deadline {
        None => thread::park(),
        Some(at) => {
            let left = at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Next::Due;
            }
            thread::park_timeout(left);
        }
    }
    if let Poll::Ready(msg) = recv.as_mut().poll(&mut cx) {
        return msg.map_or(Next::Closed, Next::Message);
    }
    match deadline {
        Some(at) if Instant::now() >= at => Next::Due,
        _ => Next::Woken,
    }
}

#[cfg(test)]
mod tests;
