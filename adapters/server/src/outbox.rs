//! A websocket's outbox: one slot between the driver and the connection's task. The newest
//! command replaces one still waiting, so a slow reader skips frames instead of queueing them.
//!
//! It does what `async_channel::bounded(1)` with `force_send` did, in one small allocation: that
//! channel is about 950 bytes a subscriber (a queue built for many slots, cache-line padded, its
//! event lists, and a listener allocated each time the task waits); this is under 100, and a
//! wait allocates nothing.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// The driver's end.
#[derive(Debug)]
pub(crate) struct Sender<T> {
    shared: Arc<Mutex<Slot<T>>>,
}

/// The connection task's end.
#[derive(Debug)]
pub(crate) struct Receiver<T> {
    shared: Arc<Mutex<Slot<T>>>,
}

#[derive(Debug)]
struct Slot<T> {
    waiting: Option<T>,
    waker: Option<Waker>,
    sender: bool,
    receiver: bool,
}

/// The other end is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the outbox's other end is gone")]
pub(crate) struct Closed;

/// Why [`Receiver::try_recv`] has nothing.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TryRecvError {
    /// Nothing waits, and the sender is still there.
    #[error("nothing waits in the outbox")]
    Empty,
    /// Nothing waits, and the sender is gone.
    #[error("the outbox's sender is gone")]
    Closed,
}

/// A new outbox.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(Slot {
        waiting: None,
        waker: None,
        sender: true,
        receiver: true,
    }));
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

fn lock<T>(shared: &Mutex<Slot<T>>) -> MutexGuard<'_, Slot<T>> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Sender<T> {
    /// Puts `value` in the slot and wakes the receiver; returns what it replaced, or `value`
    /// back when the receiver is gone.
    pub(crate) fn force_send(&self, value: T) -> Result<Option<T>, T> {
        let mut slot = lock(&self.shared);
        if !slot.receiver {
            return Err(value);
        }
        let replaced = slot.waiting.replace(value);
        let waker = slot.waker.take();
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(replaced)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut slot = lock(&self.shared);
        slot.sender = false;
        let waker = slot.waker.take();
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The waiting value, once there is one; [`Closed`] once the slot is empty and the sender
    /// gone (a value sent before the sender went is still received first).
    pub(crate) async fn recv(&self) -> Result<T, Closed> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, Closed>> {
        let mut slot = lock(&self.shared);
        if let Some(value) = slot.waiting.take() {
            return Poll::Ready(Ok(value));
        }
        if !slot.sender {
            return Poll::Ready(Err(Closed));
        }
        match &mut slot.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The waiting value, without waiting.
    #[cfg(test)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut slot = lock(&self.shared);
        match slot.waiting.take() {
            Some(value) => Ok(value),
            None if slot.sender => Err(TryRecvError::Empty),
            None => Err(TryRecvError::Closed),
        }
    }

    /// How many values wait: 0 or 1.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        usize::from(lock(&self.shared).waiting.is_some())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut slot = lock(&self.shared);
        slot.receiver = false;
        // Free a waiting frame now, not when the driver forgets the sender.
        let waiting = slot.waiting.take();
        drop(slot);
        drop(waiting);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_value_replaces_a_waiting_one() {
        let (tx, rx) = channel();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(tx.force_send(1), Ok(None));
        assert_eq!(tx.force_send(2), Ok(Some(1)));
        assert_eq!(rx.len(), 1);
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.len(), 0);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }

    #[test]
    fn what_was_sent_before_the_sender_went_is_received_then_closed() {
        let (tx, rx) = channel();
        tx.force_send("close").unwrap();
        drop(tx);
        assert_eq!(smol::block_on(rx.recv()), Ok("close"));
        assert_eq!(smol::block_on(rx.recv()), Err(Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }

    #[test]
    fn a_send_to_a_receiver_that_is_gone_hands_the_value_back_and_frees_a_waiting_one() {
        let (tx, rx) = channel();
        let frame = Arc::new(());
        tx.force_send(frame.clone()).unwrap();
        drop(rx);
        assert_eq!(Arc::strong_count(&frame), 1, "the waiting value was freed");
        assert!(tx.force_send(frame).is_err());
    }

    /// Counts its wakes.
    #[derive(Default)]
    struct Wakes(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Wakes {
        fn count(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    /// A task waiting on `recv` is woken by a send (from another thread) and by the sender's end.
    #[test]
    fn a_waiting_receiver_is_woken_by_a_send_and_by_the_sender_going() {
        let (tx, rx) = channel();
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(rx.poll_recv(&mut cx).is_pending());
        let tx = std::thread::spawn(move || {
            tx.force_send(7).unwrap();
            tx
        })
        .join()
        .unwrap();
        assert_eq!(wakes.count(), 1, "woken by the send");
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Ok(7)));
        assert!(rx.poll_recv(&mut cx).is_pending());
        drop(tx);
        assert_eq!(wakes.count(), 2, "woken by the sender's end");
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Err(Closed)));
    }

    /// The point of this type: a subscriber's outbox is one small allocation.
    #[test]
    fn an_outbox_is_small() {
        let size = std::mem::size_of::<Mutex<Slot<crate::driver::ConnCmd>>>();
        assert!(size <= 80, "{size} bytes");
    }
}
