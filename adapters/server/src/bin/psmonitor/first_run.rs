//! The first run of `serve` (DESIGN 6.4): the password the operator chose (never printed) or
//! the generated one (printed once), and a message that says how clients log in.

use std::fmt::Write;
use std::path::PathBuf;

use psmonitor_core::auth::Password;
use psmonitor_keyring::KeyringError;

/// The systemd credential the packaged unit loads (`LoadCredential=psmonitor-password`).
pub const CREDENTIAL: &str = "psmonitor-password";

/// Where a chosen password came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// `PSMONITOR_PASSWORD`.
    Env,
    /// The systemd credential `psmonitor-password` (`$CREDENTIALS_DIRECTORY`).
    Credential,
}

/// A chosen password that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ChosenError {
    /// The credential file exists but cannot be read.
    #[error("cannot read the password credential {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The credential file is empty or not UTF-8.
    #[error("the password credential {0} is empty or not text: write the password in it")]
    Unusable(PathBuf),
}

/// The password chosen for a first run: `PSMONITOR_PASSWORD`, else the systemd credential
/// `psmonitor-password` (its first line); `None` when neither is set (one is generated then).
pub fn chosen_password() -> Result<Option<(Password, Chosen)>, ChosenError> {
    if let Some(password) = std::env::var("PSMONITOR_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return Ok(Some((Password::new(password), Chosen::Env)));
    }
    let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(dir).join(CREDENTIAL);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => zeroize::Zeroizing::new(bytes),
        // The unit's LoadCredential= is optional: no file, no chosen password.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ChosenError::Read { path, source }),
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| ChosenError::Unusable(path.clone()))?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(ChosenError::Unusable(path));
    }
    Ok(Some((Password::new(line.to_owned()), Chosen::Credential)))
}

/// What `serve` prints when it created the account: the generated password once, or where the
/// chosen one came from (never the password itself), and how clients log in.
pub fn created(
    username: &str,
    password: &Password,
    chosen: Option<Chosen>,
    keyring: Option<&KeyringError>,
) -> String {
    let mut out = String::new();
    let _ = match chosen {
        None => writeln!(
            out,
            "Created the PSMonitor account (the password is shown only this once):\n  \
             username: {username}\n  password: {}",
            password.expose()
        ),
        Some(Chosen::Env) => writeln!(
            out,
            "Created the PSMonitor account with the password from PSMONITOR_PASSWORD (not shown):\n  \
             username: {username}"
        ),
        Some(Chosen::Credential) => writeln!(
            out,
            "Created the PSMonitor account with the password from the systemd credential \
             {CREDENTIAL} (not shown):\n  username: {username}"
        ),
    };
    let _ = match keyring {
        None => writeln!(
            out,
            "  (also saved in the keyring, under this data directory: \
             `psmonitor credentials show`)"
        ),
        Some(e) if chosen.is_none() => writeln!(
            out,
            "  (not saved in the keyring ({e}): note it now; if it is lost, \
             `psmonitor credentials reset` sets a new one)"
        ),
        Some(e) => writeln!(out, "  (not saved in the keyring: {e})"),
    };
    let _ = writeln!(
        out,
        "Clients log in as {username} with it: `psmonitor get system` finds it in this machine's \
         keyring; elsewhere pass it with --password-stdin or PSMONITOR_PASSWORD."
    );
    if chosen.is_none() {
        let _ = writeln!(
            out,
            "To choose the password yourself, set PSMONITOR_PASSWORD (or give --password-stdin to \
             clients) before a server's first run."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_password_is_never_in_the_message() {
        let password = Password::new("chosen-s3cret".to_owned());
        let unavailable = KeyringError::Unavailable("no bus".into());
        for chosen in [Chosen::Env, Chosen::Credential] {
            for keyring in [None, Some(&unavailable)] {
                let text = created("PSMonitor", &password, Some(chosen), keyring);
                assert!(!text.contains("chosen-s3cret"), "{text}");
                assert!(text.contains("(not shown)"), "{text}");
            }
        }
    }

    #[test]
    fn a_generated_password_is_shown_with_the_ways_to_give_it() {
        let password = Password::new("generated-pw".to_owned());
        let text = created("PSMonitor", &password, None, None);
        assert!(text.contains("  password: generated-pw\n"), "{text}");
        assert!(text.contains("PSMONITOR_PASSWORD"), "{text}");
        assert!(text.contains("--password-stdin"), "{text}");
    }
}
