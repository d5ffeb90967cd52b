//! The effects behind history and API tokens, each off the hub's thread so it never waits for
//! SQLite: the history writer (samples in, queries answered through the hub's inbox), and the
//! tokens' last-use times, recorded by the database watcher (`db_watch.rs`).

use std::sync::mpsc::Sender as StdSender;
use std::time::{SystemTime, UNIX_EPOCH};

use async_channel::Sender;
use psmonitor_core::hub::{HistoryAnswer, HistoryRequest, ReqId};
use psmonitor_core::series::SeriesValues;
use psmonitor_history::{HistoryStore, HistoryWriter, QueryError, Retention, Wanted};

use crate::config::ServerConfig;
use crate::db_watch::Touch;
use crate::driver::HubMsg;

/// Handles to the history thread (when history is on and its file opened) and the database
/// watcher that records token uses.
#[derive(Debug)]
pub(crate) struct Observe {
    history: Option<HistoryWriter>,
    touch: StdSender<Touch>,
    hub: Sender<HubMsg>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Observe {
    /// Opens the history store (history on); token uses go to `touch`. A history file that
    /// cannot be used is logged and history stays off; live data is served all the same.
    pub(crate) fn start(
        config: &ServerConfig,
        touch: StdSender<Touch>,
        hub: Sender<HubMsg>,
    ) -> Self {
        let history = if config.history {
            open_history(config)
        } else {
            None
        };
        Self {
            history,
            touch,
            hub,
        }
    }

    /// Hands one tick's values to the history thread.
    pub(crate) fn append(&self, unix_secs: i64, values: SeriesValues) {
        if let Some(history) = &self.history {
            history.append(unix_secs, values);
        }
    }

    /// Asks the history thread; the answer goes back to the hub as `Input::HistoryAnswered`.
    /// A range query whose client is gone by its turn (`wanted` says no) is not run.
    pub(crate) fn query(&self, req: ReqId, request: HistoryRequest, wanted: Wanted) {
        let hub = self.hub.clone();
        let reply = move |answer: HistoryAnswer| {
            let _ = hub.send_blocking(HubMsg::input(psmonitor_core::hub::Input::HistoryAnswered {
                req,
                answer,
            }));
        };
        let Some(history) = &self.history else {
            reply(HistoryAnswer::Unavailable);
            return;
        };
        match request {
            HistoryRequest::Series => history.series(Box::new(move |r| {
                reply(r.map_or_else(answer_of_error, HistoryAnswer::Series));
            })),
            HistoryRequest::Range(q) => history.query_while(
                q,
                wanted,
                Box::new(move |r| reply(r.map_or_else(answer_of_error, HistoryAnswer::Range))),
            ),
        }
    }

    /// Records a token's last use (on the database watcher's thread).
    pub(crate) fn token_used(&self, name: String, unix_secs: i64) {
        let _ = self.touch.send((name, unix_secs));
    }
}

fn answer_of_error(e: QueryError) -> HistoryAnswer {
    match e {
        QueryError::Invalid(e) => HistoryAnswer::Invalid(e),
        QueryError::Abandoned => {
            tracing::debug!("a history query was not run: its client went away");
            HistoryAnswer::Abandoned
        }
        other => {
            tracing::error!("history query failed: {other}");
            HistoryAnswer::Unavailable
        }
    }
}

fn open_history(config: &ServerConfig) -> Option<HistoryWriter> {
    let retention = Retention {
        raw: config.history_raw,
        rollup: config.history_rollup,
    };
    let finest = config.interval.as_secs_f64().ceil().max(1.0) as u32;
    let store = match HistoryStore::open(&config.data_dir, retention, unix_now()) {
        Ok((store, _)) => store,
        Err(e) => {
            tracing::error!("history is off: {e}");
            return None;
        }
    };
    match HistoryWriter::start(store, finest) {
        Ok(writer) => Some(writer),
        Err(e) => {
            tracing::error!("history is off: cannot start its thread: {e}");
            None
        }
    }
}
