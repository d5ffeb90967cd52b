//! Who and what the host is: distro name (`os-release`) and user names (`/etc/passwd`).

use std::collections::HashMap;

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

/// Maps uid to user name from the text of `/etc/passwd`; malformed lines are skipped and the
/// first name of a uid wins.
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

/// A uid-to-name cache filled from `/etc/passwd`, reloaded at most once per sample on a miss.
#[derive(Debug, Default)]
pub struct UserNames {
    names: HashMap<u32, String>,
    reloaded: bool,
}

impl UserNames {
    /// Loads the names now.
    pub fn load() -> Self {
        let mut cache = Self::default();
        cache.reload();
        cache
    }

    /// Allows one more reload; call once before each sample.
    pub fn start_sample(&mut self) {
        self.reloaded = false;
    }

    /// The name of `uid`, or the number as text when it has none.
    pub fn name(&mut self, uid: u32) -> String {
        if !self.names.contains_key(&uid) && !self.reloaded {
            self.reload();
        }
        self.names
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    fn reload(&mut self) {
        self.reloaded = true;
        self.names = parse_passwd(&std::fs::read_to_string("/etc/passwd").unwrap_or_default());
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
        let mut cache = UserNames {
            names: HashMap::from([(0, "root".to_owned())]),
            reloaded: true,
        };
        assert_eq!(cache.name(0), "root");
        assert_eq!(cache.name(4_000_000), "4000000");
    }
}
