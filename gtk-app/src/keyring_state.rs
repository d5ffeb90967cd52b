//! What the keyring said about the embedded server's password, as states the app shows.
//!
//! The app never resets a password because the keyring did not give one: "unavailable",
//! "no entry", "timed out" (a locked keyring's unlock prompt counts) and "failed" each become a
//! [`KeyringState`] that the main window shows in a banner with the actions that fit.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use psmonitor_keyring::{Keyring, KeyringError};
use zeroize::Zeroizing;

/// A stand-in keyring lookup (tests of the banners): what the keyring answers.
pub type Lookup = dyn Fn() -> Result<Option<Zeroizing<String>>, KeyringError> + Send + Sync;

/// Where the embedded server's password is looked up and kept.
#[derive(Clone)]
pub enum KeyringSource {
    /// The desktop's Secret Service; an answer slower than `deadline` counts as timed out.
    System {
        /// How long the app waits (an unlock prompt counts against it).
        deadline: Duration,
    },
    /// An in-memory keyring shared by clones (fixture runs, tests).
    Memory(Arc<Keyring>),
    /// A lookup that answers as scripted, within `deadline`; nothing is stored (tests).
    Scripted {
        /// The answer.
        lookup: Arc<Lookup>,
        /// How long the app waits for it.
        deadline: Duration,
    },
}

impl std::fmt::Debug for KeyringSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::System { deadline } => write!(f, "KeyringSource::System({deadline:?})"),
            Self::Memory(_) => f.write_str("KeyringSource::Memory"),
            Self::Scripted { deadline, .. } => write!(f, "KeyringSource::Scripted({deadline:?})"),
        }
    }
}

/// Why the keyring gave no password for an existing account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyringState {
    /// No keyring to ask: no D-Bus session, no Secret Service, or access denied.
    Unavailable(String),
    /// The keyring answered, and it has no PSMonitor entry.
    NoEntry,
    /// The keyring is locked and was not unlocked (the unlock prompt was dismissed).
    Locked(String),
    /// No answer in time: most often a locked keyring waiting for its unlock prompt.
    TimedOut(Duration),
    /// The keyring answered with an error (damaged entry, several entries, ...).
    Failed(String),
}

impl KeyringState {
    /// What happened, in the user's words: the keyring's own message (a D-Bus error, ...) is
    /// left to the log, where [`KeyringState::detail`] puts it.
    pub fn explain(&self) -> String {
        let what = match self {
            Self::Unavailable(_) => {
                "No keyring could be asked for the password (no Secret \
                 Service is running, or it refused)."
            }
            Self::NoEntry => {
                "The keyring has no PSMonitor password (the account was made \
                 elsewhere, or the entry was removed)."
            }
            Self::Locked(_) => {
                "The keyring is locked: unlock it (log in to the desktop, or open \
                 Passwords and Keys) and ask again."
            }
            Self::TimedOut(_) => {
                "The keyring did not answer in time: it may be locked and \
                 waiting for you to unlock it."
            }
            Self::Failed(_) => {
                "The keyring could not give the password (its entry may be \
                 damaged)."
            }
        };
        let after = match self {
            Self::TimedOut(after) => format!(" (waited {} s)", after.as_secs_f32()),
            _ => String::new(),
        };
        format!(
            "{what}{after} This computer is shown all the same; only its password, which other \
             clients log in with, is not known here. Nothing was reset. Details are in the log."
        )
    }

    /// The keyring's own words, for the log.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Unavailable(why) | Self::Locked(why) | Self::Failed(why) => Some(why),
            Self::NoEntry | Self::TimedOut(_) => None,
        }
    }

    /// Whether asking again may help (a locked keyring may be unlocked now).
    pub fn can_retry(&self) -> bool {
        matches!(
            self,
            Self::TimedOut(_) | Self::Unavailable(_) | Self::Locked(_)
        )
    }
}

/// The text of the confirmation before a reset: which clients stop working.
pub fn reset_warning(username: &str) -> String {
    format!(
        "A new random password replaces the current one of the account \u{201c}{username}\u{201d} \
         on this computer's server, and every session signed with the old key ends.\n\n\
         These stop working until you give them the new password: the psmonitor CLI \
         (`psmonitor get`, `psmonitor watch`) and scripts that log in to this computer, the web \
         dashboard, PSMonitor desktops on other computers that watch this one, and \
         `psmonitor serve` if it shares this data folder.\n\n\
         The new password is shown under View credentials and kept in the keyring when there is one."
    )
}

impl KeyringSource {
    /// The source for a run: in memory when replaying a fixture, else the Secret Service.
    pub fn for_run(fixture: bool) -> Self {
        if fixture {
            Self::Memory(Arc::new(Keyring::mock()))
        } else {
            Self::System {
                deadline: Duration::from_secs(5),
            }
        }
    }

    /// Runs `f` with a keyring to store a password in (a throwaway one for scripted sources).
    pub fn with_keyring<R>(&self, f: impl FnOnce(&Keyring) -> R) -> R {
        match self {
            Self::System { deadline } => f(&Keyring::system_with_timeout(*deadline)),
            Self::Memory(keyring) => f(keyring),
            Self::Scripted { .. } => f(&Keyring::mock()),
        }
    }

    /// Looks the password up; `Err` says why there is none.
    pub fn lookup(&self) -> Result<Zeroizing<String>, KeyringState> {
        self.lookup_entry(None)
    }

    /// Looks up the saved password of `username` at the remote host `url`.
    pub fn lookup_host(
        &self,
        url: &str,
        username: &str,
    ) -> Result<Zeroizing<String>, KeyringState> {
        self.lookup_entry(Some(host_entry(url, username)))
    }

    /// Keeps the password of `username` at `url` (nowhere for a scripted source).
    pub fn store_host(
        &self,
        url: &str,
        username: &str,
        password: &str,
    ) -> Result<(), KeyringError> {
        let (service, user) = host_entry(url, username);
        self.with_keyring(|k| k.for_entry(&service, &user).store_password(password))
    }

    /// Forgets the password of `username` at `url`.
    pub fn forget_host(&self, url: &str, username: &str) -> Result<bool, KeyringError> {
        let (service, user) = host_entry(url, username);
        self.with_keyring(|k| k.for_entry(&service, &user).delete_password())
    }

    fn lookup_entry(
        &self,
        entry: Option<(String, String)>,
    ) -> Result<Zeroizing<String>, KeyringState> {
        let named = |k: &Keyring| match &entry {
            Some((service, user)) => k.for_entry(service, user),
            None => k.for_entry(psmonitor_keyring::SERVICE, psmonitor_keyring::USER),
        };
        let (lookup, deadline): (Arc<Lookup>, Duration) = match self {
            Self::Memory(keyring) => return state(named(keyring).password()),
            Self::System { deadline } => {
                // The crate's own timeout is longer: the app's deadline decides "timed out".
                let keyring = named(&Keyring::system_with_timeout(
                    *deadline + Duration::from_secs(60),
                ));
                (Arc::new(move || keyring.password()), *deadline)
            }
            Self::Scripted { lookup, deadline } => (lookup.clone(), *deadline),
        };
        let (tx, rx) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("psmonitor-keyring-lookup".into())
            .spawn(move || {
                let _ = tx.send(lookup());
            });
        if let Err(e) = spawned {
            return Err(KeyringState::Failed(format!("cannot start a thread: {e}")));
        }
        match rx.recv_timeout(deadline) {
            Ok(answer) => state(answer),
            Err(RecvTimeoutError::Timeout) => Err(KeyringState::TimedOut(deadline)),
            Err(RecvTimeoutError::Disconnected) => Err(KeyringState::Failed(
                "the lookup stopped without an answer".into(),
            )),
        }
    }
}

/// The keyring entry of a remote host's password: service `PSMonitor Host`, user `NAME@URL`.
pub fn host_entry(url: &str, username: &str) -> (String, String) {
    ("PSMonitor Host".to_owned(), format!("{username}@{url}"))
}

fn state(
    answer: Result<Option<Zeroizing<String>>, KeyringError>,
) -> Result<Zeroizing<String>, KeyringState> {
    match answer {
        Ok(Some(password)) => Ok(password),
        Ok(None) => Err(KeyringState::NoEntry),
        Err(KeyringError::Unavailable(why)) => Err(KeyringState::Unavailable(why)),
        Err(KeyringError::Locked(why)) => Err(KeyringState::Locked(why)),
        Err(KeyringError::TimedOut(after)) => Err(KeyringState::TimedOut(after)),
        Err(other) => Err(KeyringState::Failed(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripted(
        answer: impl Fn() -> Result<Option<Zeroizing<String>>, KeyringError> + Send + Sync + 'static,
    ) -> KeyringSource {
        KeyringSource::Scripted {
            lookup: Arc::new(answer),
            deadline: Duration::from_millis(200),
        }
    }

    #[test]
    fn each_answer_is_its_own_state() {
        let found = scripted(|| Ok(Some(Zeroizing::new("pw".into())))).lookup();
        assert_eq!(found.map(|p| p.to_string()), Ok("pw".to_owned()));
        assert_eq!(
            scripted(|| Ok(None)).lookup().map(|_| ()),
            Err(KeyringState::NoEntry)
        );
        let unavailable = scripted(|| Err(KeyringError::Unavailable("no bus".into()))).lookup();
        assert_eq!(
            unavailable.map(|_| ()),
            Err(KeyringState::Unavailable("no bus".into()))
        );
        let locked = scripted(|| Err(KeyringError::Locked("dismissed".into()))).lookup();
        assert_eq!(
            locked.map(|_| ()),
            Err(KeyringState::Locked("dismissed".into()))
        );
        let slow = scripted(|| Err(KeyringError::TimedOut(Duration::from_secs(10)))).lookup();
        assert_eq!(
            slow.map(|_| ()),
            Err(KeyringState::TimedOut(Duration::from_secs(10)))
        );
        let failed = scripted(|| Err(KeyringError::Failed("2 entries".into()))).lookup();
        assert!(matches!(failed, Err(KeyringState::Failed(_))));
    }

    #[test]
    fn a_slow_keyring_is_timed_out_not_empty() {
        let (_hold, wait) = mpsc::sync_channel::<()>(0);
        let wait = std::sync::Mutex::new(wait);
        let slow = scripted(move || {
            let _ = wait.lock().map(|w| w.recv());
            Ok(None)
        });
        assert_eq!(
            slow.lookup().map(|_| ()),
            Err(KeyringState::TimedOut(Duration::from_millis(200)))
        );
    }

    #[test]
    fn memory_keyring_finds_what_was_stored() {
        let source = KeyringSource::for_run(true);
        assert_eq!(source.lookup().map(|_| ()), Err(KeyringState::NoEntry));
        source
            .with_keyring(|k| k.store_password("kept"))
            .expect("store");
        assert_eq!(source.lookup().map(|p| p.to_string()), Ok("kept".into()));
    }
}
