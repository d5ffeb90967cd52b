//! What a client that cannot log in is told to do, in the order that destroys nothing (DESIGN
//! 6.4): give the password (`--password-stdin`, `PSMONITOR_PASSWORD`, the keyring), read it on
//! the server's machine with `credentials show`, and only last reset it, saying what that breaks.

use psmonitor_keyring::KeyringError;

use crate::connect::PasswordSource;

/// The last resort, with what it breaks.
const RESET: &str = "only if the password is lost: `psmonitor credentials reset` on the server's \
     machine sets a new one; every client, desktop app and web page that logs in with the old \
     password must then be given the new one, and their open sessions end";

/// The ways to give the password, in the order the client tries them.
const WAYS: &str = "  1. type it: add --password-stdin and write it on the first line of stdin\n  \
     2. or set it: PSMONITOR_PASSWORD=... psmonitor ...\n  \
     3. or keep it in this machine's keyring: a server saves its password there on its first run, \
     the desktop app when you add the host";

/// Where `credentials show` can help.
fn show(keyring_works: bool) -> String {
    let note = if keyring_works {
        ""
    } else {
        " (it needs a keyring on that machine too)"
    };
    format!(
        "on the server's machine, `psmonitor credentials show` prints the password its keyring \
         kept{note}; add --data-dir DIR for a server with its own data dir"
    )
}

/// No password was given and the keyring had none for `server` (`keyring` says why).
pub fn no_password(server: &str, user: &str, keyring: Option<&KeyringError>) -> String {
    let why = match keyring {
        None => "the keyring has none for this server".to_owned(),
        Some(e) => format!("the keyring cannot be read ({e})"),
    };
    format!(
        "no password for user {user:?} at {server}: none was given and {why}.\n\
         Give it in one of these ways:\n{WAYS}\n\
         The password was printed once, when the server first ran; {}.\n\
         Last, {RESET}.",
        show(keyring.is_none())
    )
}

/// The server refused `user` with the password from `source`.
pub fn refused(server: &str, user: &str, source: PasswordSource) -> String {
    let first = match source {
        PasswordSource::Stdin | PasswordSource::Env => "check the password for a typo and give \
             it again (--password-stdin, or PSMONITOR_PASSWORD=...); it is the one the server \
             printed on its first run, or the newest one a reset printed"
            .to_owned(),
        PasswordSource::Keyring => {
            "the keyring's entry may be out of date (was the password reset \
             since?): give the current one with --password-stdin or PSMONITOR_PASSWORD=..."
                .to_owned()
        }
    };
    format!(
        "the server at {server} refused user {user:?} with the password from {source}.\n\
         What to do, in this order:\n  \
         1. {first}\n  \
         2. {}\n  \
         3. pass --user NAME if the account has another name\n  \
         4. {RESET}.",
        show(true)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str, needle: &str) -> usize {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {text}"))
    }

    #[test]
    fn a_refused_typed_password_is_checked_before_anything_is_reset() {
        for source in [PasswordSource::Stdin, PasswordSource::Env] {
            let text = refused("http://127.0.0.1:4500", "PSMonitor", source);
            let typo = position(&text, "typo");
            let show = position(&text, "credentials show");
            let reset = position(&text, "credentials reset");
            assert!(typo < show && show < reset, "{text}");
            assert!(text.lines().last().unwrap().contains("credentials reset"));
            assert!(text.contains("must then be given the new one"), "{text}");
        }
    }

    #[test]
    fn a_refused_keyring_password_is_called_out_of_date_first() {
        let text = refused("https://h:4500", "PSMonitor", PasswordSource::Keyring);
        assert!(position(&text, "out of date") < position(&text, "credentials reset"));
    }

    #[test]
    fn no_password_lists_the_sources_in_order_and_the_reset_last() {
        let unavailable = KeyringError::Unavailable("no session bus".into());
        for keyring in [None, Some(&unavailable)] {
            let text = no_password("http://127.0.0.1:4500", "PSMonitor", keyring);
            let stdin = position(&text, "--password-stdin");
            let env = position(&text, "PSMONITOR_PASSWORD");
            let ring = position(&text, "keyring:");
            let show = position(&text, "credentials show");
            let reset = position(&text, "credentials reset");
            assert!(
                stdin < env && env < ring && ring < show && show < reset,
                "{text}"
            );
        }
        let text = no_password("http://h:1", "PSMonitor", Some(&unavailable));
        assert!(text.contains("cannot be read (keyring unavailable: no session bus)"));
        assert!(
            text.contains("needs a keyring on that machine too"),
            "{text}"
        );
    }
}
