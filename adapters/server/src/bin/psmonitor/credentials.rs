//! `psmonitor credentials reset|show`.

use psmonitor_core::auth::Argon2Params;
use psmonitor_keyring::Keyring;
use psmonitor_server::account::reset_credentials;
use psmonitor_server::config::default_data_dir;
use psmonitor_store::Store;

use crate::cli::ResetArgs;

/// Sets a new random password (and with `--revoke-tokens` revokes every API token) and prints
/// the password alone on stdout.
pub fn reset(args: ResetArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.data_dir.unwrap_or_else(default_data_dir);
    let mut store = Store::open(&data_dir)?;
    let (password, kept, revoked) = reset_credentials(
        &mut store,
        &Keyring::system(),
        Argon2Params::default(),
        args.revoke_tokens,
    )?;
    if let Err(e) = kept {
        eprintln!("psmonitor: warning: the keyring did not keep the new password: {e}");
    }
    if args.revoke_tokens {
        eprintln!("psmonitor: revoked {revoked} api token(s)");
    }
    println!("{}", password.expose());
    Ok(())
}

/// Prints the password kept in the keyring, or says how to get one.
pub fn show() -> anyhow::Result<()> {
    match Keyring::system().password() {
        Ok(Some(password)) => {
            println!("username: PSMonitor");
            println!("password: {}", password.as_str());
            Ok(())
        }
        Ok(None) => anyhow::bail!(
            "no PSMonitor password in the keyring: run `psmonitor credentials reset` to set a new one"
        ),
        Err(e) => anyhow::bail!(
            "cannot read the keyring ({e}): run `psmonitor credentials reset` to set a new password and note it"
        ),
    }
}
