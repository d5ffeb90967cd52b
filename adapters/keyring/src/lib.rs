//! The OS keyring (freedesktop Secret Service) entry that remembers the PSMonitor password.
//!
//! Built on `keyring-core` and its zbus Secret Service store, the crates that `keyring` 4 wraps;
//! using them directly gives us a store per [`Keyring`] value instead of keyring's process-wide
//! default, and a mock store for tests. The zbus backend is pure Rust: no libdbus needed.
//!
//! A desktop keyring may be absent (headless server), not running, locked, or slow to answer:
//! [`KeyringError::Unavailable`], [`KeyringError::Locked`] and [`KeyringError::TimedOut`] tell
//! these apart (a missing entry is not an error: `Ok(None)`), so a desktop app can show which,
//! and a server can print one line and carry on without it.
#![forbid(unsafe_code)]

mod classify;
#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroizing;

/// The keyring service name, as the original PSMonitor used it.
pub const SERVICE: &str = "PSMonitor Auth";
/// The keyring user name, as the original PSMonitor used it.
pub const USER: &str = "PSMonitor";
/// The keyring service of the password a client keeps per server URL (the desktop app's too).
pub const HOST_SERVICE: &str = "PSMonitor Host";
/// How long [`Keyring::system`] waits for the Secret Service before giving up with `TimedOut`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a keyring operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No keyring to use: no D-Bus session, no Secret Service on it, or it went away mid-call.
    #[error("keyring unavailable: {0}")]
    Unavailable(String),
    /// The keyring is locked and was not unlocked: the unlock prompt was dismissed or could not be shown.
    #[error("keyring locked: {0}")]
    Locked(String),
    /// The Secret Service did not answer in time (a hung service, or an unlock prompt left open).
    #[error("keyring timed out: the secret service did not answer within {} s", .0.as_secs_f32())]
    TimedOut(Duration),
    /// The keyring answered but the operation failed (bad stored data, ambiguous entries, ...).
    #[error("keyring error: {0}")]
    Failed(String),
}

/// Where the password entry lives.
enum Backend {
    /// The Secret Service on the D-Bus session bus, reached anew for every call.
    System { timeout: Duration },
    /// An in-memory store shared by clones of this keyring.
    Mock(Arc<CredentialStore>),
}

/// The `PSMonitor Auth` / `PSMonitor` password entry in a keyring (or another entry, see
/// [`Keyring::for_entry`]).
pub struct Keyring {
    backend: Backend,
    entry: (String, String),
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::System { timeout } => {
                write!(f, "Keyring::System({timeout:?}, {:?})", self.entry)
            }
            Backend::Mock(_) => write!(f, "Keyring::Mock({:?})", self.entry),
        }
    }
}

impl Keyring {
    /// The desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC); connects lazily, per call.
    pub fn system() -> Keyring {
        Keyring::system_with_timeout(DEFAULT_TIMEOUT)
    }

    /// The Secret Service, giving up with `TimedOut` after `timeout` (an unlock prompt counts).
    pub fn system_with_timeout(timeout: Duration) -> Keyring {
        Keyring {
            backend: Backend::System { timeout },
            entry: default_entry(),
        }
    }

    /// A fresh, empty in-memory keyring for tests; nothing leaves the process.
    pub fn mock() -> Keyring {
        let store = keyring_core::mock::Store {
            id: "psmonitor mock keyring".to_owned(),
            inner: Default::default(),
        };
        Keyring {
            backend: Backend::Mock(Arc::new(store)),
            entry: default_entry(),
        }
    }

    /// The entry `service` / `user` in the same keyring (for a mock one, the same memory), e.g.
    /// the password of a remote host a desktop app watches.
    pub fn for_entry(&self, service: &str, user: &str) -> Keyring {
        let backend = match &self.backend {
            Backend::System { timeout } => Backend::System { timeout: *timeout },
            Backend::Mock(store) => Backend::Mock(store.clone()),
        };
        Keyring {
            backend,
            entry: (service.to_owned(), user.to_owned()),
        }
    }

    /// The entry of the server whose data directory is `data_dir`: service `PSMonitor Auth`, user
    /// `PSMonitor@<absolute data dir>`, so two servers on one machine keep two passwords.
    pub fn for_data_dir(&self, data_dir: &Path) -> Keyring {
        self.for_entry(SERVICE, &data_dir_user(data_dir))
    }

    /// The entry a client keeps for account `username` at the server `url`: service
    /// `PSMonitor Host`, user `USERNAME@URL` (the desktop app's entry for a remote host).
    pub fn for_server(&self, url: &str, username: &str) -> Keyring {
        self.for_entry(HOST_SERVICE, &format!("{username}@{url}"))
    }

    /// The single entry of earlier versions (`PSMonitor Auth` / `PSMonitor`), whatever the
    /// data directory; [`Keyring::for_data_dir`] replaces it.
    pub fn legacy(&self) -> Keyring {
        self.for_entry(SERVICE, USER)
    }

    /// The entry's service and user names.
    pub fn entry(&self) -> (&str, &str) {
        (&self.entry.0, &self.entry.1)
    }

    /// Saves `password` in the entry, replacing any earlier one.
    pub fn store_password(&self, password: &str) -> Result<(), KeyringError> {
        let password = Zeroizing::new(password.to_owned());
        self.with_entry(move |entry| entry.set_password(&password))
    }

    /// The saved password, or `None` if the entry does not exist.
    pub fn password(&self) -> Result<Option<Zeroizing<String>>, KeyringError> {
        self.with_entry(|entry| match entry.get_password() {
            Ok(password) => Ok(Some(Zeroizing::new(password))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    /// Removes the entry; `Ok(false)` if there was none.
    pub fn delete_password(&self) -> Result<bool, KeyringError> {
        self.with_entry(|entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }

    /// Runs `op` on the entry; for the system keyring on a helper thread, bounded by the timeout.
    fn with_entry<T, F>(&self, op: F) -> Result<T, KeyringError>
    where
        T: Send + 'static,
        F: FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    {
        match &self.backend {
            Backend::Mock(store) => {
                let (service, user) = &self.entry;
                let entry = Entry::new_in_store(store, service, user).map_err(classify::error)?;
                op(&entry).map_err(classify::error)
            }
            Backend::System { timeout } => on_system(*timeout, self.entry.clone(), op),
        }
    }
}

/// `PSMonitor@<dir>`, the dir made absolute and with symlinks resolved when it exists.
fn data_dir_user(data_dir: &Path) -> String {
    let absolute = std::fs::canonicalize(data_dir)
        .or_else(|_| std::path::absolute(data_dir))
        .unwrap_or_else(|_| data_dir.to_path_buf());
    format!("{USER}@{}", absolute.display())
}

fn default_entry() -> (String, String) {
    (SERVICE.to_owned(), USER.to_owned())
}

/// Connects to the Secret Service and runs `op` on a thread, so a hung bus or prompt cannot hang us.
fn on_system<T, F>(timeout: Duration, names: (String, String), op: F) -> Result<T, KeyringError>
where
    T: Send + 'static,
    F: FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("psmonitor-keyring".to_owned())
        .spawn(move || {
            let result = zbus_secret_service_keyring_store::Store::new()
                .map_err(classify::connect_error)
                .and_then(|store| {
                    let store: Arc<CredentialStore> = store;
                    let entry =
                        Entry::new_in_store(&store, &names.0, &names.1).map_err(classify::error)?;
                    op(&entry).map_err(classify::error)
                });
            // The caller may have timed out and gone; nothing to do then.
            let _ = tx.send(result);
        })
        .map_err(|e| KeyringError::Failed(format!("cannot start the keyring thread: {e}")))?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(KeyringError::TimedOut(timeout)),
        Err(RecvTimeoutError::Disconnected) => Err(KeyringError::Failed(
            "the keyring thread stopped without an answer".to_owned(),
        )),
    }
}
