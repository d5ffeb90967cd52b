//! The history thread: takes samples and queries over a channel, so neither SQLite writes nor
//! reads ever run on the server's I/O threads.
//!
//! Samples are written in batches: a transaction when the buffer spans [`BATCH_SECS`] seconds of
//! samples, when no sample came for that long, and when the writer stops. A crash (kill -9) thus
//! loses at most the last batch.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

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

enum Cmd {
    Append(i64, SeriesValues),
    Query(HistoryQuery, Reply<Result<HistoryData, QueryError>>),
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
        if let Err(
            TrySendError::Full(Cmd::Query(_, reply))
            | TrySendError::Disconnected(Cmd::Query(_, reply)),
        ) = self.tx.try_send(Cmd::Query(query, reply))
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

fn run(mut store: HistoryStore, finest: u32, rx: Receiver<Cmd>) {
    let idle = Duration::from_secs(BATCH_SECS as u64);
    let mut failing = false;
    loop {
        let cmd = match rx.recv_timeout(idle) {
            Ok(cmd) => cmd,
            Err(RecvTimeoutError::Timeout) => {
                flush(&mut store, &mut failing);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => Cmd::Stop,
        };
        match cmd {
            Cmd::Append(t, values) => {
                store.append(t, values);
                if store.pending_span() >= BATCH_SECS {
                    flush(&mut store, &mut failing);
                }
            }
            Cmd::Query(q, reply) => reply(store.query(&q, finest)),
            Cmd::Series(reply) => reply(store.series()),
            Cmd::Stop => {
                flush(&mut store, &mut failing);
                return;
            }
        }
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
