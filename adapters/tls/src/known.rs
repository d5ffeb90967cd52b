//! [`KnownServers`]: `known-servers.toml`, the fingerprints a user accepted, by `host:port`.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::fingerprint::Fingerprint;
use crate::self_signed::write_atomic;

/// The file's name inside `$XDG_CONFIG_HOME/psmonitor/`.
pub const FILE_NAME: &str = "known-servers.toml";
/// The first lines of a saved file.
const HEADER: &str = "# PSMonitor: servers whose certificate you accepted, as \"host:port\" = \"SHA-256 fingerprint\".\n\
# A client trusts exactly this certificate for that server. Remove a line to stop trusting it.\n";

/// Why the known-servers file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KnownServersError {
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not the TOML this program writes.
    #[error(
        "{} is not a valid known-servers file ({why}): fix or remove it \
         (it maps \"host:port\" to a fingerprint under [servers])",
        path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or its folder.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// The file's shape.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    servers: BTreeMap<String, String>,
}

/// The remembered fingerprints and the file they live in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownServers {
    path: PathBuf,
    servers: BTreeMap<String, Fingerprint>,
}

impl KnownServers {
    /// `$XDG_CONFIG_HOME/psmonitor/known-servers.toml`, else `~/.config/psmonitor/known-servers.toml`;
    /// `None` when neither variable is set.
    pub fn default_path() -> Option<PathBuf> {
        let non_empty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let config = non_empty("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".config")))?;
        Some(config.join("psmonitor").join(FILE_NAME))
    }

    /// The entry name of a server: `host:port`, an IPv6 address in brackets.
    pub fn key(host: &str, port: u16) -> String {
        match host.contains(':') {
            true => format!("[{host}]:{port}"),
            false => format!("{}:{port}", host.to_ascii_lowercase()),
        }
    }

    /// Reads the file at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Self, KnownServersError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(KnownServersError::Unreadable {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let invalid = |why: String| KnownServersError::Invalid {
            path: path.to_owned(),
            why,
        };
        let file: File = toml::from_str(&text).map_err(|e| invalid(e.message().to_owned()))?;
        let mut servers = BTreeMap::new();
        for (server, fp) in file.servers {
            let fp = fp
                .parse::<Fingerprint>()
                .map_err(|e| invalid(format!("entry {server:?}: {e}")))?;
            servers.insert(server, fp);
        }
        Ok(Self {
            path: path.to_owned(),
            servers,
        })
    }

    /// The file this list is read from and saved to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The fingerprint remembered for `key` (see [`KnownServers::key`]).
    pub fn get(&self, key: &str) -> Option<Fingerprint> {
        self.servers.get(key).copied()
    }

    /// Every entry, sorted by server.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Fingerprint)> {
        self.servers.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Remembers `fingerprint` for `key`; true when that changed the list.
    pub fn insert(&mut self, key: &str, fingerprint: Fingerprint) -> bool {
        self.servers.insert(key.to_owned(), fingerprint) != Some(fingerprint)
    }

    /// Forgets `key`, returning what was remembered.
    pub fn remove(&mut self, key: &str) -> Option<Fingerprint> {
        self.servers.remove(key)
    }

    /// Writes the list to its file (mode 0600, folder made 0700) by renaming a complete new file.
    pub fn save(&self) -> Result<(), KnownServersError> {
        let write = |path: &Path, source| KnownServersError::Write {
            path: path.to_owned(),
            source,
        };
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
        // The file helpers report a CertError; keep its I/O error as the source.
        let from_cert = |path: &Path, e| match e {
            crate::pem::CertError::Write { source, .. } => write(path, source),
            other => write(path, io::Error::other(other.to_string())),
        };
        if let Some(dir) = dir {
            crate::self_signed::make_dir(dir).map_err(|e| from_cert(dir, e))?;
        }
        let file = File {
            servers: self
                .servers
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
        };
        let body = toml::to_string(&file).map_err(|e| write(&self.path, io::Error::other(e)))?;
        let text = format!("{HEADER}{body}");
        write_atomic(&self.path, text.as_bytes(), 0o600).map_err(|e| from_cert(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_missing_file_is_empty_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/psmonitor").join(FILE_NAME);
        let mut known = KnownServers::load(&path).unwrap();
        assert_eq!(known.iter().count(), 0);
        let fp = Fingerprint::of(b"cert");
        assert!(known.insert(&KnownServers::key("Host.example", 4500), fp));
        assert!(!known.insert("host.example:4500", fp));
        known.insert(&KnownServers::key("::1", 9), Fingerprint::of(b"other"));
        known.save().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let again = KnownServers::load(&path).unwrap();
        assert_eq!(again, known);
        assert_eq!(again.get("host.example:4500"), Some(fp));
        assert_eq!(again.get("[::1]:9"), Some(Fingerprint::of(b"other")));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("\"host.example:4500\" = \"{fp}\"")),
            "{text}"
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("not-toml", "this is not toml ]]"),
            ("bad-fingerprint", "[servers]\n\"h:1\" = \"12:34\"\n"),
            ("wrong-type", "[servers]\n\"h:1\" = 5\n"),
            ("unknown-key", "hosts = 1\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let err = KnownServers::load(&path).unwrap_err();
            assert!(
                matches!(err, KnownServersError::Invalid { .. }),
                "{name}: {err}"
            );
            assert!(
                err.to_string().contains("fix or remove it"),
                "{name}: {err}"
            );
        }
        let unreadable = KnownServers::load(dir.path()).unwrap_err();
        assert!(
            matches!(unreadable, KnownServersError::Unreadable { .. }),
            "{unreadable}"
        );
    }
}
