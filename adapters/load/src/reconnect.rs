//! Subscribers that come and go: every so often a batch of the open subscribers drops its
//! websocket (the socket just closes, as when a laptop sleeps or a tab is closed) and opens a new
//! worker and websocket at once. Batches take turns through the fleet, so with 1,000
//! subscribers and 100 a minute each one reconnects every ten minutes.
//!
//! While a subscriber is away it cannot receive frames: the time from one interval before its
//! socket closes (a frame may have been in flight) until the first frame on its new websocket,
//! or one interval after the new greeting if that is sooner, is recorded as a gap, and ticks
//! first seen inside it count apart from missed frames. The gap does not end at the greeting:
//! a tick the server sent to the others just before it paired the new websocket can reach this
//! process after the greeting does (it reads its sockets in no set order), and that tick was
//! never this subscriber's to get.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_client::Subscription;
use smol::LocalExecutor;

use crate::http::{Auth, Target, http_conn};
use crate::progress::Live;
use crate::subscribers::{Fleet, OPENERS, open_one, read_frames};
use crate::ticks::{Gap, TickBook};

/// How many subscribers reconnect, how often, over which window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Churn {
    /// Subscribers per round.
    pub per_round: usize,
    /// Time between rounds.
    pub every: Duration,
    /// The window's start.
    pub from: Instant,
    /// The window's end: no round starts after it.
    pub until: Instant,
}

/// Runs rounds from a quarter period after the window's start (so rounds fall between progress
/// rows taken on whole periods) until its end; records each subscriber's gaps in `gaps`.
pub(crate) async fn rounds(
    ex: Rc<LocalExecutor<'static>>,
    target: Rc<Target>,
    auth: Rc<Auth>,
    fleet: Rc<Fleet>,
    churn: Churn,
    gaps: Rc<RefCell<Vec<Vec<Gap>>>>,
    live: Rc<Live>,
) {
    let Churn { from, until, .. } = churn;
    let n = fleet.connected();
    if n == 0 || churn.per_round == 0 {
        return;
    }
    gaps.borrow_mut().resize(n, Vec::new());
    let per_round = churn.per_round.min(n);
    let mut round = 0usize;
    loop {
        let at = from + churn.every / 4 + churn.every * round as u32;
        if at >= until {
            return;
        }
        smol::Timer::at(at).await;
        let queue: Rc<RefCell<VecDeque<usize>>> = Rc::new(RefCell::new(
            (0..per_round)
                .map(|i| (round * per_round + i) % n)
                .collect(),
        ));
        let mut workers = Vec::new();
        for _ in 0..OPENERS.min(per_round) {
            let (ex2, target, auth, fleet, gaps, live, queue) = (
                ex.clone(),
                target.clone(),
                auth.clone(),
                fleet.clone(),
                gaps.clone(),
                live.clone(),
                queue.clone(),
            );
            workers.push(ex.spawn(async move {
                let mut conn = http_conn(&target);
                loop {
                    let Some(slot) = queue.borrow_mut().pop_front() else {
                        return;
                    };
                    let away = Instant::now()
                        .checked_sub(fleet.book.borrow().interval())
                        .unwrap_or(from);
                    // Dropping the reader task drops its websocket: the socket closes.
                    let old = std::mem::replace(
                        &mut fleet.readers.borrow_mut()[slot],
                        ex2.spawn(async {}),
                    );
                    drop(old);
                    match open_one(&mut conn, &target, &auth).await {
                        Ok(ws) => {
                            let greeted = Instant::now();
                            let interval = fleet.book.borrow().interval();
                            let index = {
                                let mut gaps = gaps.borrow_mut();
                                gaps[slot].push((away, greeted + interval));
                                gaps[slot].len() - 1
                            };
                            let reader = first_then_rest(
                                ws,
                                slot,
                                index,
                                fleet.book.clone(),
                                fleet.received.clone(),
                                fleet.dropped.clone(),
                                gaps.clone(),
                            );
                            fleet.readers.borrow_mut()[slot] = ex2.spawn(reader);
                            Live::bump(&live.reconnects);
                        }
                        Err(_) => {
                            // Gone for good: every later frame is part of this gap, and the
                            // failure itself is counted.
                            let forever = until + Duration::from_secs(86_400);
                            gaps.borrow_mut()[slot].push((away, forever));
                            Live::bump(&live.reconnect_failures);
                        }
                    }
                }
            }));
        }
        for w in workers {
            w.await;
        }
        round += 1;
    }
}

/// Reads a reopened subscriber's first frame, ends its gap there, then reads on as any other.
async fn first_then_rest(
    mut sub: Subscription,
    slot: usize,
    gap: usize,
    book: Rc<RefCell<TickBook>>,
    received: Rc<RefCell<Vec<Vec<u32>>>>,
    dropped: Rc<std::cell::Cell<u64>>,
    gaps: Rc<RefCell<Vec<Vec<Gap>>>>,
) {
    let Ok(text) = sub.next_text().await else {
        dropped.set(dropped.get() + 1);
        return;
    };
    let now = Instant::now();
    let tick = book.borrow_mut().tick_for(text.as_bytes(), now);
    if let Some(ticks) = received.borrow_mut().get_mut(slot) {
        ticks.push(tick);
    }
    if let Some(g) = gaps.borrow_mut()[slot].get_mut(gap) {
        g.1 = g.1.min(now);
    }
    read_frames(sub, slot, book, received, dropped).await;
}
