//! Many websocket subscribers on one thread: a few openers create workers and connect them
//! (so no more than [`OPENERS`] workers are ever unclaimed, under the server's 16 per user), and
//! one small task per subscriber records which ticks reach it.
//!
//! The client's own steps (`create_worker`, `Subscription::connect`) on one shared session, with
//! `SubscriptionOptions::lean()`: the client's default websocket config keeps a 128 KiB read
//! buffer per connection (1.3 GB for 10,000), and here a frame's raw text is only hashed and
//! counted, never parsed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_client::{ClientError, HttpConnection, Subscription, SubscriptionOptions};
use smol::{LocalExecutor, Task};

use crate::LoadError;
use crate::http::{Auth, Target, http_conn};
use crate::ticks::TickBook;

/// Workers created and connected in parallel (each opener holds at most one unclaimed worker).
pub(crate) const OPENERS: usize = 8;
/// Attempts per subscriber before it counts as failed.
const ATTEMPTS: u32 = 3;
/// Wait after a 429 (too many unclaimed workers) before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// The open subscribers and what they received.
#[derive(Debug)]
pub(crate) struct Fleet {
    /// Every tick seen by any subscriber.
    pub book: Rc<RefCell<TickBook>>,
    /// Tick ids received, one list per connected subscriber.
    pub received: Rc<RefCell<Vec<Vec<u32>>>>,
    /// Subscribers whose stream ended before the run did.
    pub dropped: Rc<Cell<u64>>,
    /// Subscribers that could not be opened.
    pub failed: u64,
    /// Why the first one failed.
    pub first_error: Option<String>,
    /// One reader task per subscriber, by slot; dropping one closes its websocket.
    pub readers: Rc<RefCell<Vec<Task<()>>>>,
}

impl Fleet {
    /// Connected subscribers.
    pub(crate) fn connected(&self) -> usize {
        self.received.borrow().len()
    }

    /// Stops every reader and closes its socket.
    pub(crate) fn stop(&self) {
        self.readers.borrow_mut().clear();
    }
}

/// Opens `n` subscribers, giving up on the rest at `deadline`.
pub(crate) async fn open(
    ex: Rc<LocalExecutor<'static>>,
    target: Rc<Target>,
    auth: Rc<Auth>,
    n: usize,
    interval: Duration,
    deadline: Instant,
) -> Fleet {
    let book = Rc::new(RefCell::new(TickBook::new(interval)));
    let received = Rc::new(RefCell::new(Vec::with_capacity(n)));
    let dropped = Rc::new(Cell::new(0));
    let readers = Rc::new(RefCell::new(Vec::with_capacity(n)));
    let next = Rc::new(Cell::new(0usize));
    let failures = Rc::new(RefCell::new((0u64, None::<String>)));
    let mut openers = Vec::new();
    for _ in 0..OPENERS.min(n) {
        let (ex2, target, auth, book, received, dropped, readers, next, failures) = (
            ex.clone(),
            target.clone(),
            auth.clone(),
            book.clone(),
            received.clone(),
            dropped.clone(),
            readers.clone(),
            next.clone(),
            failures.clone(),
        );
        openers.push(ex.spawn(async move {
            let mut conn = http_conn(&target);
            loop {
                let index = next.get();
                if index >= n || Instant::now() >= deadline {
                    return;
                }
                next.set(index + 1);
                match open_one(&mut conn, &target, &auth).await {
                    Ok(ws) => {
                        let slot = {
                            let mut received = received.borrow_mut();
                            received.push(Vec::new());
                            received.len() - 1
                        };
                        let reader =
                            read_frames(ws, slot, book.clone(), received.clone(), dropped.clone());
                        readers.borrow_mut().push(ex2.spawn(reader));
                    }
                    Err(e) => {
                        let mut f = failures.borrow_mut();
                        f.0 += 1;
                        f.1.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }));
    }
    for opener in openers {
        opener.await;
    }
    let (failed, first_error) = failures.take();
    // Subscribers never attempted before the deadline count as failed too.
    let failed = failed + n.saturating_sub(next.get()) as u64;
    Fleet {
        book,
        received,
        dropped,
        failed,
        first_error,
        readers,
    }
}

/// Creates a worker and connects it, retrying a few times.
pub(crate) async fn open_one(
    conn: &mut HttpConnection,
    target: &Target,
    auth: &Auth,
) -> Result<Subscription, LoadError> {
    let mut attempt = 1;
    loop {
        match try_open(conn, target, auth).await {
            Ok(sub) => return Ok(sub),
            Err(e) if attempt >= ATTEMPTS => return Err(e),
            Err(e) => {
                if matches!(
                    e,
                    LoadError::Client(ClientError::Status { status: 401, .. })
                ) {
                    auth.invalidate().await;
                }
                smol::Timer::after(RETRY_PAUSE).await;
                attempt += 1;
            }
        }
    }
}

async fn try_open(
    conn: &mut HttpConnection,
    target: &Target,
    auth: &Auth,
) -> Result<Subscription, LoadError> {
    let session = auth.session().await?;
    let worker = psmonitor_client::create_worker(conn, &session.token).await?;
    let options = SubscriptionOptions::lean();
    let sub = Subscription::connect(
        &target.ep,
        target.tls.as_ref(),
        &worker,
        &session.user_id,
        &options,
    )
    .await?;
    Ok(sub)
}

/// Records the tick of every text frame until the stream ends or the task is dropped.
pub(crate) async fn read_frames(
    mut sub: Subscription,
    slot: usize,
    book: Rc<RefCell<TickBook>>,
    received: Rc<RefCell<Vec<Vec<u32>>>>,
    dropped: Rc<Cell<u64>>,
) {
    while let Ok(text) = sub.next_text().await {
        let tick = book.borrow_mut().tick_for(text.as_bytes(), Instant::now());
        if let Some(ticks) = received.borrow_mut().get_mut(slot) {
            ticks.push(tick);
        }
    }
    dropped.set(dropped.get() + 1);
}
