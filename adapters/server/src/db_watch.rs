//! The one watcher of `psmonitor.db`: it notices `psmonitor credentials reset`, `psmonitor token
//! create|revoke` (or any other change) made by another process while the server runs, and hands
//! the new account and API tokens to the hub within about a second (DESIGN 5.2 asks for 2 s).
//! It also records the tokens' last-use times, on the same connection.
//!
//! Every [`POLL`] it asks SQLite's `data_version` (two `fcntl` locks, no read of the file) and
//! reloads only when another connection has committed. The files' size and modification time
//! are no substitute: a commit's frames reach `psmonitor.db-wal` before SQLite publishes the
//! commit in `-shm`, so a look between the two saw the final files and the old version, and the
//! token it carried stayed unknown until a later commit moved the files again.
//! A database it cannot read (replaced by a file that is not one, a failing disk) is logged once
//! as an error, then again at growing intervals while it lasts, and its recovery is logged too:
//! never an error every poll.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use async_channel::Sender;
use psmonitor_core::auth::Account;
use psmonitor_core::auth::api_token::ApiToken;
use psmonitor_core::hub::Input;
use psmonitor_store::{DB_FILE_NAME, Store, StoreError};

use crate::driver::HubMsg;

/// How often the database is asked whether anything changed: once a second keeps a revocation
/// within DESIGN 5.2's 2 s and wakes an idle server as little as that allows.
pub(crate) const POLL: Duration = Duration::from_secs(1);
/// The first repeat of a lasting failure is logged this long after the first report; each later
/// one after twice the previous wait, up to [`REPORT_MAX`].
const REPORT_FIRST: Duration = Duration::from_secs(10);
/// The longest wait between two reports of a lasting failure.
const REPORT_MAX: Duration = Duration::from_secs(15 * 60);

/// A token's last use, recorded by the watcher: its name and unix seconds.
pub(crate) type Touch = (String, i64);

/// The watching thread; it stops once this and every [`Self::toucher`] are dropped.
#[derive(Debug)]
pub(crate) struct DbWatch {
    touch: mpsc::Sender<Touch>,
}

impl DbWatch {
    /// Where to send a token's last use.
    pub(crate) fn toucher(&self) -> mpsc::Sender<Touch> {
        self.touch.clone()
    }
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

/// Starts watching the database in `data_dir`, which held `account` and `tokens` when the hub
/// was made. A database that cannot be opened now is tried again every [`POLL`].
pub(crate) fn start(
    data_dir: &Path,
    account: Account,
    tokens: Vec<ApiToken>,
    hub: Sender<HubMsg>,
) -> std::io::Result<DbWatch> {
    let (touch, touches) = mpsc::channel();
    let mut watcher = Watcher::new(data_dir, account, tokens, hub);
    thread::Builder::new()
        .name("psmonitor-db".into())
        .spawn(move || watcher.run(&touches))?;
    Ok(DbWatch { touch })
}

/// An open `psmonitor.db` and the file it is, to notice the file being replaced.
struct Db {
    store: Store,
    file: Option<FileId>,
}

/// Which file `path` is now, if it is there.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| FileId(m.dev(), m.ino()))
}

/// Elsewhere an open file cannot be replaced: nothing to compare.
#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    None
}

struct Watcher {
    data_dir: PathBuf,
    db: Option<Db>,
    /// `data_version` when the account and tokens were last read; `None` reads them again.
    version: Option<i64>,
    account: Account,
    tokens: Vec<ApiToken>,
    hub: Sender<HubMsg>,
    failures: Reports,
}

/// Why one look at the database failed.
#[derive(Debug, thiserror::Error)]
enum WatchError {
    /// Opening or reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The account row is gone.
    #[error("the database has no account")]
    NoAccount,
}

impl Watcher {
    /// A watcher that has not looked yet; the hub holds `account` and `tokens`.
    fn new(data_dir: &Path, account: Account, tokens: Vec<ApiToken>, hub: Sender<HubMsg>) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            db: None,
            version: None,
            account,
            tokens,
            hub,
            failures: Reports::default(),
        }
    }

    fn run(&mut self, touches: &Receiver<Touch>) {
        let mut next_check = Instant::now();
        loop {
            let wait = next_check.saturating_duration_since(Instant::now());
            match touches.recv_timeout(wait) {
                Ok((name, at)) => {
                    if let Some(db) = self.db.as_mut()
                        && let Err(e) = db.store.touch_token(&name, at)
                    {
                        tracing::warn!("cannot record the last use of token {name}: {e}");
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = Instant::now();
            match self.check() {
                Ok(true) => {
                    if let Some(since) = self.failures.recovered(now) {
                        tracing::info!(
                            "{} is readable again after {}s of failures",
                            self.path().display(),
                            since.as_secs()
                        );
                    }
                }
                Ok(false) => return, // the hub is gone
                Err(e) => {
                    // Start afresh next time: the file may have been replaced or repaired.
                    self.db = None;
                    self.version = None;
                    match self.failures.failed(now) {
                        Some(Report::First) => tracing::error!(
                            "cannot read {}: {e}; accounts and api tokens keep their last known state, trying again every {POLL:?}",
                            self.path().display()
                        ),
                        Some(Report::Again { since, failures }) => tracing::error!(
                            "still cannot read {} after {}s ({failures} failed tries): {e}",
                            self.path().display(),
                            since.as_secs()
                        ),
                        None => {}
                    }
                }
            }
            next_check = now + POLL;
        }
    }

    fn path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE_NAME)
    }

    /// Reloads the account and tokens when the database changed and tells the hub what did;
    /// `Ok(false)` when the hub is gone.
    fn check(&mut self) -> Result<bool, WatchError> {
        let path = self.path();
        let file = file_id(&path);
        let replaced = self.db.as_ref().is_some_and(|db| db.file != file);
        if replaced {
            tracing::warn!("{} was replaced: reading the new file", path.display());
            self.db = None;
            self.version = None;
        }
        let db = match &mut self.db {
            Some(db) => db,
            None => self.db.insert(Db {
                store: Store::open(&self.data_dir)?,
                file,
            }),
        };
        let version = db.store.data_version()?;
        if self.version == Some(version) {
            return Ok(true);
        }
        let account = db.store.account()?.ok_or(WatchError::NoAccount)?;
        let tokens: Vec<ApiToken> = db.store.tokens()?.into_iter().map(|r| r.token).collect();
        self.version = Some(version);
        if account != self.account {
            tracing::info!("the account changed (credentials reset): applying it");
            self.account = account.clone();
            if self
                .hub
                .send_blocking(HubMsg::input(Input::AccountChanged(Box::new(account))))
                .is_err()
            {
                return Ok(false);
            }
        }
        if tokens != self.tokens {
            tracing::info!("the api tokens changed: {} now", tokens.len());
            self.tokens = tokens.clone();
            if self
                .hub
                .send_blocking(HubMsg::input(Input::TokensChanged(tokens)))
                .is_err()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Which file a path names (device and inode), to notice it being replaced under us. Elsewhere
/// than Unix a file cannot be replaced while it is open, so there is nothing to notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId(u64, u64);

/// What to log about a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Report {
    /// The first failure after a success (or at start).
    First,
    /// The failure lasts: how long, and how many tries failed.
    Again { since: Duration, failures: u64 },
}

/// When to report a repeating failure: once at once, then at growing intervals.
#[derive(Debug, Default)]
struct Reports {
    /// Since when it fails, the next report, the wait after that, the failures so far.
    failing: Option<(Instant, Instant, Duration, u64)>,
}

impl Reports {
    /// One more failure at `now`; what to log, if anything.
    fn failed(&mut self, now: Instant) -> Option<Report> {
        match &mut self.failing {
            None => {
                self.failing = Some((now, now + REPORT_FIRST, REPORT_FIRST, 1));
                Some(Report::First)
            }
            Some((since, next, wait, failures)) => {
                *failures += 1;
                if now < *next {
                    return None;
                }
                *wait = (*wait * 2).min(REPORT_MAX);
                *next = now + *wait;
                Some(Report::Again {
                    since: now.saturating_duration_since(*since),
                    failures: *failures,
                })
            }
        }
    }

    /// A success at `now`: how long it had failed, if it had.
    fn recovered(&mut self, now: Instant) -> Option<Duration> {
        let (since, ..) = self.failing.take()?;
        Some(now.saturating_duration_since(since))
    }
}

#[cfg(test)]
mod tests;
