//! Notices `psmonitor credentials reset` (or any change to the account) made by another process
//! while the server runs, and hands the new account to the hub within about a second.

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use async_channel::Sender;
use psmonitor_core::auth::Account;
use psmonitor_store::Store;

use crate::driver::HubMsg;

/// How often the database is asked whether anything changed.
const POLL: Duration = Duration::from_millis(500);

/// The watching thread; dropping this stops it.
#[derive(Debug)]
pub(crate) struct AccountWatch {
    _stop: mpsc::Sender<()>,
}

/// Starts watching the database in `data_dir` for changes to `account`. Without a readable
/// database there is nothing to watch: a warning, and the server runs on.
pub(crate) fn start(
    data_dir: &Path,
    account: Account,
    hub: Sender<HubMsg>,
) -> Option<AccountWatch> {
    let store = match Store::open(data_dir) {
        Ok(store) => store,
        Err(e) => {
            tracing::warn!("cannot watch the account for resets: {e}");
            return None;
        }
    };
    let (stop, stopped) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("psmonitor-account".into())
        .spawn(move || watch(&store, account, &hub, &stopped));
    match spawned {
        Ok(_) => Some(AccountWatch { _stop: stop }),
        Err(e) => {
            tracing::warn!("cannot watch the account for resets: {e}");
            None
        }
    }
}

fn watch(store: &Store, mut known: Account, hub: &Sender<HubMsg>, stopped: &mpsc::Receiver<()>) {
    let mut version = store.data_version().ok();
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(POLL) {
        let now = store.data_version().ok();
        if now == version {
            continue;
        }
        version = now;
        match store.account() {
            Ok(Some(account)) if account != known => {
                tracing::info!("the account changed (credentials reset): applying it");
                known = account.clone();
                if hub
                    .send_blocking(HubMsg::input(psmonitor_core::hub::Input::AccountChanged(
                        Box::new(account),
                    )))
                    .is_err()
                {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot read the account: {e}"),
        }
    }
}
