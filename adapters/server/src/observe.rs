//! The effects behind history and API tokens, each on its own thread so the hub's task never
//! waits for SQLite: the history writer (samples in, queries answered through the hub's inbox),
//! and the token watcher, which reloads the tokens from `psmonitor.db` every second (a
//! revocation applies within 2 s) and records last-use times.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender as StdSender, channel};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_channel::Sender;
use psmonitor_core::auth::api_token::ApiToken;
use psmonitor_core::hub::{HistoryAnswer, HistoryRequest, ReqId};
use psmonitor_core::series::SeriesValues;
use psmonitor_history::{HistoryStore, HistoryWriter, QueryError, Retention};
use psmonitor_store::Store;

use crate::config::ServerConfig;
use crate::driver::HubMsg;

/// How often the token watcher reloads the tokens.
pub(crate) const TOKEN_POLL: Duration = Duration::from_secs(1);

/// Handles to the history thread (when history is on and its file opened) and the token watcher.
#[derive(Debug)]
pub(crate) struct Observe {
    history: Option<HistoryWriter>,
    touch: StdSender<(String, i64)>,
    hub: Sender<HubMsg>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The API tokens in `store`; `None` (logged) when they cannot be read, so a passing failure
/// never looks like "every token revoked".
pub(crate) fn load_tokens(store: &Store) -> Option<Vec<ApiToken>> {
    match store.tokens() {
        Ok(rows) => Some(rows.into_iter().map(|r| r.token).collect()),
        Err(e) => {
            tracing::error!("cannot read api tokens: {e}");
            None
        }
    }
}

impl Observe {
    /// Opens the history store (history on) and starts the token watcher. A history file that
    /// cannot be used is logged and history stays off; live data is served all the same.
    pub(crate) fn start(
        config: &ServerConfig,
        tokens: Vec<ApiToken>,
        hub: Sender<HubMsg>,
    ) -> std::io::Result<Self> {
        let history = if config.history {
            open_history(config)
        } else {
            None
        };
        let (touch, touches) = channel();
        let data_dir = config.data_dir.clone();
        let watcher_hub = hub.clone();
        std::thread::Builder::new()
            .name("psmonitor-tokens".into())
            .spawn(move || watch_tokens(data_dir, tokens, touches, watcher_hub))?;
        Ok(Self {
            history,
            touch,
            hub,
        })
    }

    /// Hands one tick's values to the history thread.
    pub(crate) fn append(&self, unix_secs: i64, values: SeriesValues) {
        if let Some(history) = &self.history {
            history.append(unix_secs, values);
        }
    }

    /// Asks the history thread; the answer goes back to the hub as `Input::HistoryAnswered`.
    pub(crate) fn query(&self, req: ReqId, request: HistoryRequest) {
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
            HistoryRequest::Range(q) => history.query(
                q,
                Box::new(move |r| reply(r.map_or_else(answer_of_error, HistoryAnswer::Range))),
            ),
        }
    }

    /// Records a token's last use (on the token watcher's thread).
    pub(crate) fn token_used(&self, name: String, unix_secs: i64) {
        let _ = self.touch.send((name, unix_secs));
    }
}

fn answer_of_error(e: QueryError) -> HistoryAnswer {
    match e {
        QueryError::Invalid(e) => HistoryAnswer::Invalid(e),
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

/// Reloads the tokens every [`TOKEN_POLL`] and tells the hub when they changed; records uses.
fn watch_tokens(
    data_dir: PathBuf,
    mut known: Vec<ApiToken>,
    touches: Receiver<(String, i64)>,
    hub: Sender<HubMsg>,
) {
    let mut store: Option<Store> = None;
    loop {
        let touch = match touches.recv_timeout(TOKEN_POLL) {
            Ok(touch) => Some(touch),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if store.is_none() {
            store = Store::open(&data_dir)
                .map_err(|e| tracing::warn!("cannot open the store to reload tokens: {e}"))
                .ok();
        }
        let Some(db) = store.as_mut() else { continue };
        if let Some((name, at)) = touch
            && let Err(e) = db.touch_token(&name, at)
        {
            tracing::warn!("cannot record a token's last use: {e}");
        }
        let Some(tokens) = load_tokens(db) else {
            continue;
        };
        if tokens != known {
            known = tokens.clone();
            if hub
                .send_blocking(HubMsg::input(psmonitor_core::hub::Input::TokensChanged(
                    tokens,
                )))
                .is_err()
            {
                return;
            }
        }
    }
}
