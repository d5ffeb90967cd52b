//! The history thread: takes samples and queries over a channel, so neither SQLite writes nor
//! reads ever run on the server's I/O threads.
//!
//! Samples are written in batches of at most [`BATCH_SECS`] seconds of samples: a transaction as
//! soon as the buffer holds that many seconds (at 1 s sampling, 10 samples), when the oldest
//! buffered sample has waited that long (samples that come late or irregularly), and when the
//! writer stops. A crash (kill -9) thus loses at most the samples of the last 10 s. Before each
//! batch is written the file is checked: one deleted or truncated under the server is recreated.
//!
//! The batch is gathered on the caller's side ([`HistoryWriter::append`] only pushes onto a shared
//! buffer), so an idle server does not wake the history thread every second: only when a batch
//! starts (to arm its deadline), when it is full, and for queries. A query takes the buffer in
//! first, so it sees every sample appended before it.
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use psmonitor_core::history::{HistoryData, HistoryQuery};
use psmonitor_core::series::SeriesValues;

use crate::HistoryError;
use crate::open::is_damage;
use crate::store::{HistoryStore, QueryError};

/// Seconds of samples per transaction.
pub const BATCH_SECS: i64 = 10;
/// Commands that may wait for the history thread, and samples that may wait in the buffer;
/// samples beyond are dropped (and logged).
const QUEUE: usize = 1_024;

/// A callback that receives an answer on the history thread.
pub type Reply<T> = Box<dyn FnOnce(T) + Send>;
/// Asked on the history thread just before a query runs: whether its answer is still wanted
/// (the client that asked may have gone while the query waited in the queue).
pub type Wanted = Box<dyn Fn() -> bool + Send>;

enum Cmd {
    /// A batch has started: write it by its deadline even if it never fills.
    Started,
    /// The batch is full: write it now.
    Full,
    Query(HistoryQuery, Wanted, Reply<Result<HistoryData, QueryError>>),
    Series(Reply<Result<Vec<String>, QueryError>>),
    Stop,
}

/// The samples handed over and not yet taken by the history thread.
#[derive(Default)]
struct Buffer {
    /// Samples of the batch being gathered (some may already have been taken by a query).
    gathering: Vec<(i64, SeriesValues)>,
    /// Batches gathered whole, oldest first, each to be written in its own transaction.
    full: VecDeque<Vec<(i64, SeriesValues)>>,
    /// The time of the first sample of the batch being gathered, if one is.
    batch_from: Option<i64>,
    /// Samples in `gathering` and `full`.
    len: usize,
}

impl Buffer {
    /// Buffers the sample at `t`; returns the wake it calls for: [`Cmd::Started`] when it
    /// begins a batch, [`Cmd::Full`] when it completes one, else none.
    fn push(&mut self, t: i64, values: SeriesValues, finest: u32) -> Option<Cmd> {
        self.gathering.push((t, values));
        self.len += 1;
        let starts = self.batch_from.is_none();
        let from = *self.batch_from.get_or_insert(t);
        if batch_full(t - from, finest) {
            self.batch_from = None;
            let batch = std::mem::take(&mut self.gathering);
            self.full.push_back(batch);
            Some(Cmd::Full)
        } else {
            starts.then_some(Cmd::Started)
        }
    }

    /// The whole batches, oldest first.
    fn take_full(&mut self) -> VecDeque<Vec<(i64, SeriesValues)>> {
        let full = std::mem::take(&mut self.full);
        self.len -= full.iter().map(Vec::len).sum::<usize>();
        full
    }

    /// The samples of the batch being gathered so far; with `ending`, that batch ends here (it
    /// is about to be written), so the next sample starts one.
    fn take_gathering(&mut self, ending: bool) -> Vec<(i64, SeriesValues)> {
        if ending {
            self.batch_from = None;
        }
        let samples = std::mem::take(&mut self.gathering);
        self.len -= samples.len();
        samples
    }
}

type Shared = Arc<Mutex<Buffer>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Buffer> {
    // A panic while holding the lock leaves a consistent buffer (pushes and takes only).
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Handle to the history thread; dropping it flushes and stops the thread.
pub struct HistoryWriter {
    tx: SyncSender<Cmd>,
    shared: Shared,
    finest: u32,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HistoryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryWriter")
            .field("finest", &self.finest)
            .finish_non_exhaustive()
    }
}

impl HistoryWriter {
    /// Starts the thread that owns `store`; `finest` is the sampling interval in whole seconds.
    pub fn start(store: HistoryStore, finest: u32) -> std::io::Result<Self> {
        let finest = finest.max(1);
        let (tx, rx) = sync_channel(QUEUE);
        let shared = Shared::default();
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("psmonitor-history".into())
            .spawn(move || run(store, finest, &theirs, rx))?;
        Ok(Self {
            tx,
            shared,
            finest,
            thread: Some(thread),
        })
    }

    /// Hands over the values sampled at `t` (unix seconds); never blocks. The history thread is
    /// woken only when this starts a batch or fills one.
    pub fn append(&self, t: i64, values: SeriesValues) {
        let wake = {
            let mut buffer = lock(&self.shared);
            if buffer.len >= QUEUE {
                drop(buffer);
                tracing::warn!("history writer is behind; dropped one sample");
                return;
            }
            buffer.push(t, values, self.finest)
        };
        // A wake the full queue refuses is not lost work: the samples stay in the buffer, and
        // the next wake (or the batch's deadline) takes them all.
        if let Some(cmd) = wake {
            let _ = self.tx.try_send(cmd);
        }
    }

    /// Answers `query` on the history thread through `reply`.
    pub fn query(&self, query: HistoryQuery, reply: Reply<Result<HistoryData, QueryError>>) {
        self.query_while(query, Box::new(|| true), reply);
    }

    /// Answers `query` through `reply` if, when its turn comes, it is still `wanted`; else
    /// `reply` gets [`QueryError::Abandoned`] without the database being read.
    pub fn query_while(
        &self,
        query: HistoryQuery,
        wanted: Wanted,
        reply: Reply<Result<HistoryData, QueryError>>,
    ) {
        if let Err(
            TrySendError::Full(Cmd::Query(_, _, reply))
            | TrySendError::Disconnected(Cmd::Query(_, _, reply)),
        ) = self.tx.try_send(Cmd::Query(query, wanted, reply))
        {
            reply(Err(QueryError::Busy));
        }
    }

    /// Lists the recorded series on the history thread through `reply`.
    pub fn series(&self, reply: Reply<Result<Vec<String>, QueryError>>) {
        if let Err(
            TrySendError::Full(Cmd::Series(reply)) | TrySendError::Disconnected(Cmd::Series(reply)),
        ) = self.tx.try_send(Cmd::Series(reply))
        {
            reply(Err(QueryError::Busy));
        }
    }
}

impl Drop for HistoryWriter {
    fn drop(&mut self) {
        let _ = self.tx.send(Cmd::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether a buffer spanning `span` seconds of samples taken every `finest` seconds is a whole
/// batch. Each sample stands for `finest` seconds, so the buffer covers `span + finest`; it is
/// written when one more sample would make that more than [`BATCH_SECS`].
fn batch_full(span: i64, finest: u32) -> bool {
    span + 2 * i64::from(finest) > BATCH_SECS
}

/// How long the oldest buffered sample may wait: a batch's worth, less one interval (the time
/// the sample itself may have taken to arrive).
fn batch_wait(finest: u32) -> Duration {
    Duration::from_secs((BATCH_SECS - i64::from(finest)).max(1) as u64)
}

/// Writes every whole batch handed over, each in its own transaction.
fn write_full(store: &mut HistoryStore, shared: &Shared, failing: &mut bool) {
    let full = lock(shared).take_full();
    for batch in full {
        take_in(store, batch);
        flush(store, failing);
    }
}

/// Moves samples into `store`'s pending batch, checking the file first.
fn take_in(store: &mut HistoryStore, samples: Vec<(i64, SeriesValues)>) {
    if let Some((t, _)) = samples.first() {
        check_file(store, *t);
    }
    for (t, values) in samples {
        store.append(t, values);
    }
}

/// Writes whatever was handed over: the whole batches, then the one being gathered, which
/// ends here.
fn write_all(store: &mut HistoryStore, shared: &Shared, failing: &mut bool) {
    write_full(store, shared, failing);
    let rest = lock(shared).take_gathering(true);
    take_in(store, rest);
    flush(store, failing);
}

/// Makes everything handed over visible to a query: whole batches written, the batch being
/// gathered moved into the store's pending samples.
fn catch_up(store: &mut HistoryStore, shared: &Shared, failing: &mut bool) {
    write_full(store, shared, failing);
    let gathered = lock(shared).take_gathering(false);
    take_in(store, gathered);
}

fn run(mut store: HistoryStore, finest: u32, shared: &Shared, rx: Receiver<Cmd>) {
    let mut failing = false;
    // When the oldest buffered sample must be written by.
    let mut due: Option<Instant> = None;
    loop {
        let received = match due {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let cmd = match received {
            Ok(cmd) => cmd,
            Err(RecvTimeoutError::Timeout) => {
                write_all(&mut store, shared, &mut failing);
                due = None;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => Cmd::Stop,
        };
        match cmd {
            Cmd::Started => {
                due.get_or_insert_with(|| Instant::now() + batch_wait(finest));
            }
            Cmd::Full => {
                write_full(&mut store, shared, &mut failing);
                due = None;
            }
            Cmd::Query(_, wanted, reply) if !wanted() => reply(Err(QueryError::Abandoned)),
            Cmd::Query(q, _, reply) => {
                catch_up(&mut store, shared, &mut failing);
                reply(store.query(&q, finest));
            }
            Cmd::Series(reply) => {
                catch_up(&mut store, shared, &mut failing);
                reply(store.series());
            }
            Cmd::Stop => {
                write_all(&mut store, shared, &mut failing);
                return;
            }
        }
    }
}

/// Recreates a file deleted or truncated under the server (the store logs what it did).
fn check_file(store: &mut HistoryStore, t: i64) {
    if let Err(e) = store.check_file(t.max(0) as u64) {
        tracing::error!(
            "history file {} went away and cannot be recreated: {e}",
            store.path().display()
        );
    }
}

/// Writes the batch; a failure is logged once (until a write succeeds again), and a file found
/// damaged while running is moved aside and replaced.
fn flush(store: &mut HistoryStore, failing: &mut bool) {
    match store.flush() {
        Ok(()) => *failing = false,
        Err(HistoryError::Sqlite(e)) if is_damage(&e) => {
            tracing::error!(
                "history file {} is damaged while running: {e}",
                store.path().display()
            );
            if let Err(e) = store.replace_damaged() {
                tracing::error!("cannot start a new history file: {e}");
            }
        }
        Err(e) => {
            if !*failing {
                tracing::error!("cannot write history (will keep trying): {e}");
            }
            *failing = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_never_holds_more_than_ten_seconds_of_samples() {
        // At 1 s: ten samples (span 9) make a batch, so a crash loses at most those ten.
        assert!(!batch_full(8, 1));
        assert!(batch_full(9, 1));
        // At 3 s: samples at 0, 3, 6 cover 9 s; a fourth would make 12.
        assert!(!batch_full(3, 3));
        assert!(batch_full(6, 3));
        // An interval of a batch or more writes every sample.
        assert!(batch_full(0, 10));
        assert!(batch_full(0, 60));
        assert_eq!(batch_wait(1), Duration::from_secs(9));
        assert_eq!(batch_wait(60), Duration::from_secs(1));
    }

    fn wakes(buffer: &mut Buffer, times: impl Iterator<Item = i64>, finest: u32) -> String {
        times
            .map(|t| match buffer.push(t, SeriesValues::new(), finest) {
                Some(Cmd::Started) => 'S',
                Some(Cmd::Full) => 'F',
                Some(_) => '?',
                None => '.',
            })
            .collect()
    }

    /// Issue 23: at 1 s sampling the history thread is woken twice per batch of ten samples (to
    /// arm the batch's deadline, then to write it), not once per sample.
    #[test]
    fn the_history_thread_is_woken_when_a_batch_starts_and_when_it_is_full() {
        let mut buffer = Buffer::default();
        assert_eq!(
            wakes(&mut buffer, 0..25, 1),
            "S........FS........FS....",
            "1 s"
        );
        let mut buffer = Buffer::default();
        assert_eq!(wakes(&mut buffer, (0..5).map(|t| t * 3), 3), "S.FS.");
        let mut buffer = Buffer::default();
        assert_eq!(
            wakes(&mut buffer, (0..3).map(|t| t * 10), 10),
            "FFF",
            "an interval of a batch writes every sample"
        );
        // A batch ended by its deadline (the history thread took it): the next sample starts one.
        let mut buffer = Buffer::default();
        assert_eq!(wakes(&mut buffer, 0..3, 1), "S..");
        assert_eq!(buffer.take_gathering(true).len(), 3);
        assert_eq!(wakes(&mut buffer, 20..32, 1), "S........FS.");
        // Whole batches are kept apart, each for its own transaction.
        let full = buffer.take_full();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].first().map(|s| s.0), Some(20));
        assert_eq!(full[0].last().map(|s| s.0), Some(29));
        assert_eq!(buffer.len, 2);
    }
}
