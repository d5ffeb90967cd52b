//! Who and what the host is: distro name (`os-release`) and user names (NSS, so LDAP and SSSD
//! users have names too).

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// The `PRETTY_NAME` of an os-release file, unquoted; `None` when absent or empty.
pub fn parse_os_release(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("PRETTY_NAME=")?;
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(value);
        let unescaped = unquoted.replace("\\\"", "\"").replace("\\\\", "\\");
        (!unescaped.is_empty()).then_some(unescaped)
    })
}

/// Maps uid to user name from the text of a passwd file; malformed lines are skipped and the
/// first name of a uid wins. (Live names come from [`nss_name`], which also sees LDAP and SSSD.)
pub fn parse_passwd(text: &str) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(uid)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let (false, Ok(uid)) = (name.is_empty() || name.starts_with('#'), uid.parse()) {
            names.entry(uid).or_insert_with(|| name.to_owned());
        }
    }
    names
}

/// How long a uid without a name shows as its number before it is looked up again (a user
/// added since, or a directory server that was unreachable).
pub const RETRY_UNKNOWN: Duration = Duration::from_secs(5 * 60);

/// The name of `uid` in the system's user database, through NSS (`getpwuid_r`): `/etc/passwd`,
/// LDAP, SSSD, systemd-homed, as `nsswitch.conf` says; `None` when it has none.
#[cfg(unix)]
pub fn nss_name(uid: u32) -> Option<String> {
    let uid = nix::unistd::Uid::from_raw(uid);
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|user| user.name)
}

/// Without NSS there is no user database to ask.
#[cfg(not(unix))]
pub fn nss_name(_uid: u32) -> Option<String> {
    None
}

/// What the cache knows of a uid.
#[derive(Debug)]
enum Known {
    Name(String),
    /// No name at `since`: shown as the number until [`RETRY_UNKNOWN`] has passed.
    Unnamed {
        since: Instant,
    },
}

/// A uid-to-name cache: each uid is looked up once; one without a name is asked again at most
/// every [`RETRY_UNKNOWN`].
pub struct UserNames {
    /// foldhash, as the process cache: asked once per process per sample.
    known: HashMap<u32, Known, foldhash::fast::RandomState>,
    lookup: Box<dyn FnMut(u32) -> Option<String> + Send>,
}

impl fmt::Debug for UserNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserNames")
            .field("known", &self.known)
            .finish_non_exhaustive()
    }
}

impl Default for UserNames {
    /// Names from [`nss_name`].
    fn default() -> Self {
        Self::with_lookup(nss_name)
    }
}

impl UserNames {
    /// A cache that asks `lookup` (instead of NSS) for the names it does not know.
    pub fn with_lookup(lookup: impl FnMut(u32) -> Option<String> + Send + 'static) -> Self {
        Self {
            known: HashMap::default(),
            lookup: Box::new(lookup),
        }
    }

    /// The name of `uid`, or the number as text when it has none.
    pub fn name(&mut self, uid: u32) -> String {
        match self.known.get(&uid) {
            Some(Known::Name(name)) => name.clone(),
            _ => self.name_at(uid, Instant::now()),
        }
    }

    /// [`UserNames::name`], with `now` deciding whether an unnamed uid is due for another look.
    pub fn name_at(&mut self, uid: u32, now: Instant) -> String {
        match self.known.get(&uid) {
            Some(Known::Name(name)) => return name.clone(),
            Some(Known::Unnamed { since })
                if now.saturating_duration_since(*since) < RETRY_UNKNOWN =>
            {
                return uid.to_string();
            }
            _ => {}
        }
        match (self.lookup)(uid) {
            Some(name) => {
                self.known.insert(uid, Known::Name(name.clone()));
                name
            }
            None => {
                self.known.insert(uid, Known::Unnamed { since: now });
                uid.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pretty_name() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(
            parse_os_release(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            parse_os_release("PRETTY_NAME=Alpine").as_deref(),
            Some("Alpine")
        );
        assert_eq!(
            parse_os_release("PRETTY_NAME='Arch \\\"x\\\"'").as_deref(),
            Some("Arch \"x\"")
        );
    }

    #[test]
    fn missing_or_empty_pretty_name_is_none() {
        assert_eq!(parse_os_release("NAME=x\n"), None);
        assert_eq!(parse_os_release("PRETTY_NAME=\"\"\n"), None);
        assert_eq!(parse_os_release("PRETTY_NAME=\"\n"), Some("\"".to_owned()));
        assert_eq!(parse_os_release(""), None);
    }

    #[test]
    fn maps_uids_to_names() {
        let text = "root:x:0:0:root:/root:/bin/bash\n# comment:x:5\nbroken\nnobody:x:65534:65534::/:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\nbad:x:uid:0\n";
        let names = parse_passwd(text);
        assert_eq!(names.len(), 2);
        assert_eq!(names[&0], "root");
        assert_eq!(names[&65534], "nobody");
    }

    #[test]
    fn unknown_uid_falls_back_to_its_number() {
        let mut cache = UserNames::with_lookup(|uid| (uid == 0).then(|| "root".to_owned()));
        assert_eq!(cache.name(0), "root");
        assert_eq!(cache.name(4_000_000), "4000000");
    }
}
