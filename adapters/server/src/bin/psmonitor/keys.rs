//! The keyring entries the command uses (DESIGN 6.4): a server's password per data directory, a
//! client's per server URL, and the one-time move of the single entry of earlier versions.

use std::path::Path;

use psmonitor_core::auth::Account;
use psmonitor_core::auth::verify_password;
use psmonitor_keyring::{Keyring, KeyringError};
use zeroize::Zeroizing;

/// The password the keyring keeps for the server of `data_dir`.
///
/// The first time, when the data dir has no entry of its own but the single entry of earlier
/// versions (`PSMonitor Auth` / `PSMonitor`) holds this account's password (checked against its
/// hash, so another server's password is never taken), the password is copied to the data dir's
/// entry, which is read from then on. The old entry stays for programs that still read it (the
/// desktop app's embedded server keeps its password there).
pub fn server_password(
    keyring: &Keyring,
    data_dir: &Path,
    account: Option<&Account>,
) -> Result<Option<Zeroizing<String>>, KeyringError> {
    let entry = keyring.for_data_dir(data_dir);
    if let Some(password) = entry.password()? {
        return Ok(Some(password));
    }
    let Some(account) = account else {
        return Ok(None);
    };
    let legacy = keyring.legacy();
    let Some(old) = legacy.password()? else {
        return Ok(None);
    };
    if !verify_password(&account.password_hash, &old) {
        return Ok(None);
    }
    entry.store_password(&old)?;
    Ok(Some(old))
}

/// The keyring entries a client tries for `username` at `server`, in order: the server URL's own
/// entry (the desktop app keeps one per host it watches), then, for a server on this machine,
/// the entry of the local data dir, then the single entry of earlier versions.
pub fn client_entries(
    keyring: &Keyring,
    server: &str,
    username: &str,
    local: bool,
    data_dir: &Path,
) -> Vec<Keyring> {
    let mut entries = vec![keyring.for_server(server, username)];
    if local {
        entries.push(keyring.for_data_dir(data_dir));
        entries.push(keyring.legacy());
    }
    entries
}

/// The first password found in `entries`; an error only when no entry could be read at all.
pub fn first_password(entries: &[Keyring]) -> Result<Option<Zeroizing<String>>, KeyringError> {
    let mut first_error = None;
    for entry in entries {
        match entry.password() {
            Ok(Some(password)) => return Ok(Some(password)),
            Ok(None) => {}
            // A keyring that is missing, locked or hung answers the same for every entry.
            Err(e @ (KeyringError::Unavailable(_) | KeyringError::Locked(_))) => return Err(e),
            Err(e @ KeyringError::TimedOut(_)) => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use psmonitor_core::auth::{AccountEntropy, Argon2Params, Password, create_account};

    use super::*;

    fn account(password: &str, seed: u8) -> Account {
        let entropy = AccountEntropy {
            user_id: [seed; 16],
            password: [seed; 32],
            salt: [seed; 16],
            jwt_secret: [seed; 32],
        };
        let given = Some(Password::new(password.to_owned()));
        create_account(&entropy, given, Argon2Params::testing())
            .unwrap()
            .account
    }

    #[test]
    fn the_old_single_entry_is_copied_once_to_the_data_dir_whose_password_it_is() {
        let keyring = Keyring::mock();
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let (server_a, server_b) = (account("password-a", 1), account("password-b", 2));
        keyring.legacy().store_password("password-a").unwrap();

        // B's server does not take A's password: the old entry stays where it is.
        assert!(
            server_password(&keyring, &b, Some(&server_b))
                .unwrap()
                .is_none()
        );
        assert!(keyring.legacy().password().unwrap().is_some());
        // A's does: the password is copied to A's own entry, read from there from now on.
        let copied = server_password(&keyring, &a, Some(&server_a))
            .unwrap()
            .unwrap();
        assert_eq!(copied.as_str(), "password-a");
        let kept = keyring.for_data_dir(&a).password().unwrap().unwrap();
        assert_eq!(kept.as_str(), "password-a");
        keyring
            .legacy()
            .store_password("changed-elsewhere")
            .unwrap();
        let again = server_password(&keyring, &a, Some(&server_a))
            .unwrap()
            .unwrap();
        assert_eq!(
            again.as_str(),
            "password-a",
            "once copied, A's own entry is read"
        );
        // Without the database's account nothing is copied.
        keyring.legacy().store_password("password-b").unwrap();
        assert!(server_password(&keyring, &b, None).unwrap().is_none());
        assert!(keyring.for_data_dir(&b).password().unwrap().is_none());
    }

    #[test]
    fn a_local_client_tries_the_url_then_the_data_dir_then_the_old_entry() {
        let keyring = Keyring::mock();
        let tmp = tempfile::tempdir().unwrap();
        let url = "http://127.0.0.1:4500";
        let entries = |local| client_entries(&keyring, url, "PSMonitor", local, tmp.path());
        assert_eq!(first_password(&entries(true)).unwrap(), None);
        keyring.legacy().store_password("old").unwrap();
        assert_eq!(
            first_password(&entries(true)).unwrap().unwrap().as_str(),
            "old"
        );
        assert_eq!(
            first_password(&entries(false)).unwrap(),
            None,
            "a remote URL"
        );
        keyring
            .for_data_dir(tmp.path())
            .store_password("dir")
            .unwrap();
        assert_eq!(
            first_password(&entries(true)).unwrap().unwrap().as_str(),
            "dir"
        );
        keyring
            .for_server(url, "PSMonitor")
            .store_password("url")
            .unwrap();
        assert_eq!(
            first_password(&entries(true)).unwrap().unwrap().as_str(),
            "url"
        );
        assert_eq!(
            first_password(&entries(false)).unwrap().unwrap().as_str(),
            "url"
        );
    }
}
