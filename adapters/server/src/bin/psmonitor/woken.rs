//! [`woken_only`]: a future polled only when its own waker fired.
//!
//! The executor polls the future it runs (the server's, which includes the signal watchers) each
//! time its thread wakes for any task, and a signal watcher answers a poll with a `read` of its
//! pipe. Behind this wrapper the watchers are polled only when a signal has arrived, so an idle
//! server's thread hops make no syscalls for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// `inner`, polled on the first poll and afterwards only once its own waker has been woken.
pub fn woken_only<F: Future>(inner: F) -> WokenOnly<F> {
    WokenOnly {
        inner: Box::pin(inner),
        flag: Arc::new(Flag {
            woken: AtomicBool::new(true),
            outer: Mutex::new(None),
        }),
    }
}

/// See [`woken_only`].
pub struct WokenOnly<F> {
    inner: Pin<Box<F>>,
    flag: Arc<Flag>,
}

/// Set by the inner future's waker; passes the wake on to whoever polls the wrapper.
struct Flag {
    woken: AtomicBool,
    outer: Mutex<Option<Waker>>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        let outer = self.outer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(waker) = outer.as_ref() {
            waker.wake_by_ref();
        }
    }
}

impl<F: Future> Future for WokenOnly<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        {
            let mut outer = self
                .flag
                .outer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        // Cleared before the poll: a wake during it sets it again, so none is missed.
        if !self.flag.woken.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let waker = Waker::from(self.flag.clone());
        self.inner.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts its polls; ready once `open` is set (and its waker was woken).
    struct Gate {
        polls: Arc<AtomicUsize>,
        open: Arc<AtomicBool>,
        waker: Arc<Mutex<Option<Waker>>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.open.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_inner_future_is_polled_only_after_its_own_wake() {
        let polls = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicBool::new(false));
        let inner_waker = Arc::new(Mutex::new(None::<Waker>));
        let mut fut = woken_only(Gate {
            polls: polls.clone(),
            open: open.clone(),
            waker: inner_waker.clone(),
        });
        let outer = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(outer.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "the first poll goes through"
        );
        // Woken for other reasons: the inner future is left alone.
        for _ in 0..5 {
            assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        }
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        // Its own wake reaches the outer waker, and the next poll goes through.
        open.store(true, Ordering::SeqCst);
        inner_waker.lock().unwrap().take().unwrap().wake();
        assert_eq!(outer.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut fut).poll(&mut cx).is_ready());
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }
}
