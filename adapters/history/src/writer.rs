//! The history thread: takes samples and queries over a channel, so neither SQLite writes nor
//! reads ever run on the server's I/O threads.
//!
//! Samples are written in batches of at most [`BATCH_SECS`] seconds of samples: a transaction as
//! soon as the buffer holds that many seconds (at 1 s sampling, 10 samples), when the oldest
//! buffered sample has waited that long (samples that come late or irregularly), and when the
//! writer stops. A crash (kill -9) thus loses at most the samples of the last 10 s. Before each
//! sample the file is checked: one deleted or truncated under the server is recreated at once.
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use psmonitor_core::history::{HistoryData, HistoryQuery};
use psmonitor_core::series::SeriesValues;

use crate::HistoryError;
use crate::open::is_damage;
use crate::store::{HistoryStore, QueryError};

/// Seconds of samples per transaction.
pub const BATCH_SECS: i64 = 10;
/// Commands that may wait for the history thread; samples beyond are dropped (and logged).
const QUEUE: usize = 1_024;

/// A callback that receives an answer on the history thread.
pub type Reply<T> = Box<dyn FnOnce(T) + Send>;
/// Asked on the history thread just before a query runs: whether its answer is still wanted
/// (the client that asked may have gone while the query waited in the queue).
pub type Wanted = Box<dyn Fn() -> bool + Send>;

enum Cmd {
    Append(i64, SeriesValues),
    Query(HistoryQuery, Wanted, Reply<Result<HistoryData, QueryError>>),
    Series(Reply<Result<Vec<String>, QueryError>>),
    Stop,
}

/// Handle to the history thread; dropping it flushes and stops the thread.
#[derive(Debug)]
pub struct HistoryWriter {
    tx: SyncSender<Cmd>,
    thread: Option<JoinHandle<()>>,
}

impl HistoryWriter {
    /// Starts the thread that owns `store`; `finest` is the sampling interval in whole seconds.
    pub fn start(store: HistoryStore, finest: u32) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("psmonitor-history".into())
            .spawn(move || run(store, finest.max(1), rx))?;
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }

    /// Hands over the values sampled at `t` (unix seconds); never blocks.
    pub fn append(&self, t: i64, values: SeriesValues) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(Cmd::Append(t, values)) {
            tracing::warn!("history writer is behind; dropped one sample");
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

fn run(mut store: HistoryStore, finest: u32, rx: Receiver<Cmd>) {
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
                flush(&mut store, &mut failing);
                due = None;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => Cmd::Stop,
        };
        match cmd {
            Cmd::Append(t, values) => {
                check_file(&mut store, t);
                store.append(t, values);
                due.get_or_insert_with(|| Instant::now() + batch_wait(finest));
                if batch_full(store.pending_span(), finest) {
                    flush(&mut store, &mut failing);
                    due = None;
                }
            }
            Cmd::Query(_, wanted, reply) if !wanted() => reply(Err(QueryError::Abandoned)),
            Cmd::Query(q, _, reply) => reply(store.query(&q, finest)),
            Cmd::Series(reply) => reply(store.series()),
            Cmd::Stop => {
                flush(&mut store, &mut failing);
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
}
