//! `psmonitor credentials reset|show`: the password of the server of one data directory.

use std::io::Write;

use anyhow::Context;
use psmonitor_core::auth::Argon2Params;
use psmonitor_keyring::{Keyring, KeyringError};
use psmonitor_server::account::reset_credentials;
use psmonitor_server::config::default_data_dir;
use psmonitor_store::{DB_FILE_NAME, Store};

use crate::cli::{DataDirArg, ResetArgs};
use crate::keys;

/// Sets a new random password (and with `--revoke-tokens` revokes every API token) and prints
/// the password alone on stdout.
pub fn reset(args: ResetArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.data_dir.unwrap_or_else(default_data_dir);
    let mut store = Store::open(&data_dir)?;
    let keyring = Keyring::system().for_data_dir(&data_dir);
    let (password, kept, revoked) = reset_credentials(
        &mut store,
        &keyring,
        Argon2Params::default(),
        args.revoke_tokens,
    )?;
    if let Err(e) = kept {
        eprintln!("psmonitor: warning: the keyring did not keep the new password: {e}");
    }
    if args.revoke_tokens {
        eprintln!("psmonitor: revoked {revoked} api token(s)");
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", password.expose())?;
    out.flush()?;
    Ok(())
}

/// Prints the password the keyring kept for the data directory's server (copying the single
/// entry of earlier versions to it, once), or says how to get in without destroying anything.
pub fn show(args: DataDirArg) -> anyhow::Result<()> {
    let data_dir = args.data_dir.unwrap_or_else(default_data_dir);
    // The account tells which server the old single entry belonged to; without a readable
    // database only the data dir's own entry is looked at.
    let account = data_dir
        .join(DB_FILE_NAME)
        .exists()
        .then(|| Store::open(&data_dir).ok())
        .flatten()
        .and_then(|store| store.account().ok().flatten());
    let shown = keys::server_password(&Keyring::system(), &data_dir, account.as_ref());
    let dir = data_dir.display();
    let last = "only if it is lost, `psmonitor credentials reset` sets a new one (every client \
                that uses the old password must then be given the new one)";
    match shown {
        Ok(Some(password)) => {
            let username = account.map_or_else(|| "PSMonitor".to_owned(), |a| a.username);
            let mut out = std::io::stdout().lock();
            writeln!(out, "username: {username}")?;
            writeln!(out, "password: {}", password.as_str())?;
            out.flush().context("cannot write to stdout")
        }
        Ok(None) => anyhow::bail!(
            "the keyring has no password for the server of {dir}: it was printed once when \
             that server first ran (or set with PSMONITOR_PASSWORD); {last}"
        ),
        Err(e @ KeyringError::Locked(_)) => anyhow::bail!(
            "{e}: unlock it (e.g. log in to the desktop) and try again; the password was also \
             printed once when the server of {dir} first ran; {last}"
        ),
        Err(e) => anyhow::bail!(
            "cannot read the keyring ({e}): the password was printed once when the server of \
             {dir} first ran (or set with PSMONITOR_PASSWORD); {last}"
        ),
    }
}
