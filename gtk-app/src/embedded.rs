//! The embedded server: opens the data dir, creates the account on a first run and starts
//! `psmonitor_server::spawn` on 127.0.0.1, all on a background thread.
//!
//! The app watches this computer with tokens it signs itself through the store it shares with the
//! server ([`mint`]), so this computer is shown whatever the keyring's state: the password is
//! only looked up to show it to the user (View credentials), never needed to watch.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use psmonitor_client::{ClientError, MintSession, Session};
use psmonitor_collector::{CollectorError, FixtureSampler, HostCollector, Sampler};
use psmonitor_core::auth::{Argon2Params, Password, issue_token, verify_password};
use psmonitor_server::account::{AccountError, AccountSetup, load_or_create, reset_password};
use psmonitor_server::{ServerConfig, ServerError, ServerHandle};
use psmonitor_store::{Store, StoreError};
use zeroize::Zeroizing;

use crate::keyring_state::{KeyringSource, KeyringState};
use crate::settings_store::Settings;

/// How the app was started.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the database and the settings live.
    pub data_dir: PathBuf,
    /// Replay this recorded host instead of reading this one (tests, demos).
    pub fixture: Option<PathBuf>,
    /// A known password (`PSMONITOR_PASSWORD`): used to create the account, or to log in.
    pub password: Option<String>,
    /// The file of remembered server certificates (`known-servers.toml`, shared with the CLI);
    /// `None`: nothing is remembered.
    pub known_servers: Option<PathBuf>,
    /// Where the password is looked up and kept.
    pub keyring: KeyringSource,
    /// The procfs whose processes the Processes page lists, with the signal menu (`/proc`);
    /// `None`: the rows the embedded server streams, no menu (a fixture replay).
    pub local_processes: Option<PathBuf>,
}

/// A login for a server.
#[derive(Clone)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <redacted>)", self.username)
    }
}

/// A running embedded server.
#[derive(Debug)]
pub struct Started {
    /// The server thread.
    pub handle: ServerHandle,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// One line for the status bar: where it listens and why there.
    pub status: String,
    /// The account's user name.
    pub username: String,
    /// The password when it is known without the keyring: just created, or given with
    /// `PSMONITOR_PASSWORD`. `None`: ask the keyring ([`lookup_password`]), only to show it.
    pub password: Option<Credentials>,
    /// A note about the keyring, when it could not keep a new password.
    pub keyring_note: Option<String>,
}

/// The account exists but its password is not known to the app.
#[derive(Clone, Debug)]
pub struct MissingPassword {
    /// The account's user name.
    pub username: String,
    /// Why the keyring gave none.
    pub state: KeyringState,
}

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The database could not be opened.
    #[error("cannot open the database: {0}. Check that the data folder is writable.")]
    Store(#[from] StoreError),
    /// The account could not be loaded, created or reset.
    #[error("cannot set up the account: {0}")]
    Account(#[from] AccountError),
    /// The host (or the fixture) cannot be read.
    #[error("cannot read the host: {0}")]
    Collector(#[from] CollectorError),
    /// The server did not start.
    #[error("{0}. Pick another port in Settings, or stop the other program using it.")]
    Server(#[from] ServerError),
}

fn argon2(options: &Options) -> Argon2Params {
    if options.fixture.is_some() {
        Argon2Params::testing()
    } else {
        Argon2Params::default()
    }
}

/// Creates the account on a first run; returns its user name, the password when it is known
/// without the keyring (just created, or `PSMONITOR_PASSWORD`) and a note when the keyring could
/// not keep a new one. An existing account is never changed here.
fn account(
    options: &Options,
) -> Result<(String, Option<Credentials>, Option<String>), EmbeddedError> {
    let mut store = Store::open(&options.data_dir)?;
    let given = options.password.clone().map(Password::new);
    let setup = options
        .keyring
        .with_keyring(|k| load_or_create(&mut store, k, argon2(options), given))?;
    let username = setup.account().username.clone();
    Ok(match setup {
        AccountSetup::Created {
            password, keyring, ..
        } => {
            let note = keyring.err().map(|e| {
                tracing::warn!("the keyring did not keep the new password: {e}");
                "the keyring did not keep the new password (see the log): it is kept in memory \
                 for this run"
                    .to_owned()
            });
            let password = Zeroizing::new(password.expose().to_owned());
            let known = Credentials {
                username: username.clone(),
                password,
            };
            (username, Some(known), note)
        }
        AccountSetup::Existing(_) => {
            let known = options.password.as_ref().map(|given| Credentials {
                username: username.clone(),
                password: Zeroizing::new(given.clone()),
            });
            (username, known, None)
        }
    })
}

/// Asks the keyring for the password of the existing account `username` (blocks up to the
/// keyring's deadline: call it off the main thread). `Err` says why there is none.
pub fn lookup_password(options: &Options, username: &str) -> Result<Credentials, MissingPassword> {
    options
        .keyring
        .lookup()
        .map(|password| Credentials {
            username: username.to_owned(),
            password,
        })
        .map_err(|state| MissingPassword {
            username: username.to_owned(),
            state,
        })
}

/// How long a token the app signs for itself lives (the server's default lifetime).
const MINTED_TTL: Duration = Duration::from_secs(60);

/// Why the app could not sign a token for this computer.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The database could not be read.
    #[error("cannot read this computer's account: {0}")]
    Store(#[from] StoreError),
    /// The database has no account (yet).
    #[error("this computer's database has no account")]
    NoAccount,
    /// Signing failed.
    #[error("cannot sign a token for this computer: {0}")]
    Issue(#[from] psmonitor_core::auth::IssueError),
}

/// Signs a session for the embedded server's account with the key in its database at `data_dir`,
/// read afresh each time (a `credentials reset` rotates it).
pub fn mint_session(data_dir: &Path) -> Result<Session, MintError> {
    let account = Store::open(data_dir)?
        .account()?
        .ok_or(MintError::NoAccount)?;
    let token = issue_token(&account, SystemTime::now(), MINTED_TTL)?;
    Ok(Session {
        token: Zeroizing::new(token.as_str().to_owned()),
        user_id: account.user_id,
        // Renewed a quarter early, as the client does for a login.
        renew_at: Some(Instant::now() + MINTED_TTL * 3 / 4),
    })
}

/// The session source of the watch on this computer: [`mint_session`] on `data_dir`.
pub fn mint(data_dir: &Path) -> MintSession {
    let dir = data_dir.to_owned();
    Arc::new(move || mint_session(&dir).map_err(|e| ClientError::Protocol(e.to_string())))
}

/// Whether `password` is the embedded server's account's password.
pub fn check_password(data_dir: &Path, password: &str) -> Result<bool, EmbeddedError> {
    let account = Store::open(data_dir)?
        .account()?
        .ok_or(AccountError::NoAccount)?;
    Ok(verify_password(&account.password_hash, password))
}

/// Sets a new random password (the user confirmed it) and keeps it in the keyring when there is
/// one; returns the new login and, when the keyring could not keep it, why.
pub fn reset(options: &Options) -> Result<(Credentials, Option<String>), EmbeddedError> {
    let mut store = Store::open(&options.data_dir)?;
    let username = store.account()?.ok_or(AccountError::NoAccount)?.username;
    let (password, kept) = options
        .keyring
        .with_keyring(|k| reset_password(&mut store, k, argon2(options)))?;
    tracing::warn!("the embedded server's password was reset at the user's request");
    let note = kept.err().map(|e| {
        tracing::warn!("the keyring did not keep the new password: {e}");
        "the keyring did not keep the new password (see the log): it is kept in memory for this \
         run"
        .to_owned()
    });
    let password = Zeroizing::new(password.expose().to_owned());
    Ok((Credentials { username, password }, note))
}

fn sampler(options: &Options) -> Result<Box<dyn Sampler>, EmbeddedError> {
    Ok(match &options.fixture {
        Some(path) => Box::new(FixtureSampler::from_file(path)?),
        None => Box::new(HostCollector::new()?),
    })
}

/// Stops `old` (if any), then starts a server with `settings`, on the configured port or, if that
/// is taken, a free one. `known` credentials skip the keyring on restarts.
pub fn start(
    options: &Options,
    settings: &Settings,
    old: Option<ServerHandle>,
    known: Option<Credentials>,
) -> Result<Started, EmbeddedError> {
    if let Some(old) = old
        && let Err(e) = old.stop()
    {
        tracing::warn!("the previous embedded server ended badly: {e}");
    }
    let (username, password, keyring_note) = match known {
        Some(c) => (c.username.clone(), Some(c), None),
        None => account(options)?,
    };
    let mut config = ServerConfig::with_data_dir(options.data_dir.clone());
    config.address = IpAddr::V4(Ipv4Addr::LOCALHOST);
    config.port = settings.port;
    config.interval = settings.interval();
    config.max_connections = settings.max_connections;
    config.fixture = options.fixture.clone();
    let account = Store::open(&options.data_dir)?
        .account()?
        .ok_or(AccountError::NoAccount)?;
    let first = psmonitor_server::spawn(config.clone(), account.clone(), sampler(options)?);
    let (handle, status) = match first {
        Ok(handle) => {
            let status = format!("Embedded server on http://{}", handle.addr());
            (handle, status)
        }
        Err(ServerError::Bind { .. }) if settings.port != 0 => {
            config.port = 0;
            let handle = psmonitor_server::spawn(config, account, sampler(options)?)?;
            let status = format!(
                "Port {} is taken: embedded server on http://{} instead",
                settings.port,
                handle.addr()
            );
            (handle, status)
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!("{status}");
    Ok(Started {
        url: format!("http://{}", handle.addr()),
        handle,
        status,
        username,
        password,
        keyring_note,
    })
}

/// Runs [`start`] on a background thread; the result arrives on the returned channel.
pub fn start_in_background(
    options: Options,
    settings: Settings,
    old: Option<ServerHandle>,
    known: Option<Credentials>,
) -> async_channel::Receiver<Result<Started, EmbeddedError>> {
    let (tx, rx) = async_channel::bounded(1);
    let spawned = std::thread::Builder::new()
        .name("psmonitor-start".into())
        .spawn(move || {
            let _ = tx.send_blocking(start(&options, &settings, old, known));
        });
    if let Err(e) = spawned {
        let (tx, rx) = async_channel::bounded(1);
        let _ = tx.try_send(Err(EmbeddedError::Server(ServerError::Start(e))));
        return rx;
    }
    rx
}
