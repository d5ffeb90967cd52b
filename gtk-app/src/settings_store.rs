//! The app's settings and where they are saved (`gtk-settings.json` in the data dir).

use std::path::Path;
use std::time::Duration;

use psmonitor_server::config::{DEFAULT_PORT, MIN_INTERVAL};
use serde::{Deserialize, Serialize};

/// The settings file's name in the data dir.
pub const FILE_NAME: &str = "gtk-settings.json";

/// What the Settings dialog edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Sampling interval of the embedded server, milliseconds.
    pub interval_ms: u64,
    /// Port of the embedded server (a free one is used if taken).
    pub port: u16,
    /// Websocket connections the embedded server allows at once.
    pub max_connections: usize,
    /// Log level: error, warn, info, debug or trace.
    pub log_level: String,
    /// How the Processes page is sorted.
    pub process_sort: crate::process_list::Sort,
    /// Remote hosts, in the order of the hosts list (this computer comes first, unsaved).
    pub hosts: Vec<SavedHost>,
    /// Units of sizes, rates and temperatures.
    pub units: crate::format::Units,
    /// Resource kinds the sidebar leaves out (see `resources::KINDS`).
    pub hidden: Vec<String>,
    /// The main window's size when it was last closed.
    pub window_size: (i32, i32),
    /// Desktop notifications when a host goes down or comes back.
    pub notify: Notify,
}

/// Which hosts' going down and coming back are notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notify {
    /// Remote hosts (on by default).
    pub remote: bool,
    /// This computer's embedded server (off by default).
    pub this_computer: bool,
}

impl Default for Notify {
    fn default() -> Self {
        Self {
            remote: true,
            this_computer: false,
        }
    }
}

/// A remote host of the hosts list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedHost {
    /// Its URL, e.g. `https://192.168.1.20:4500`.
    pub url: String,
    /// The user name.
    pub username: String,
    /// Whether its password is kept in the keyring (else it is asked at each launch).
    pub remember: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            interval_ms: 1000,
            port: DEFAULT_PORT,
            max_connections: 1024,
            log_level: "info".to_owned(),
            process_sort: Default::default(),
            hosts: Vec::new(),
            units: Default::default(),
            hidden: Vec::new(),
            window_size: (1000, 700),
            notify: Notify::default(),
        }
    }
}

/// The log levels offered.
pub const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

impl Settings {
    /// The interval as a duration, never below the server's minimum.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms).max(MIN_INTERVAL)
    }

    /// Whether the embedded server must restart to apply `other`.
    pub fn needs_restart(&self, other: &Settings) -> bool {
        self.interval_ms != other.interval_ms
            || self.port != other.port
            || self.max_connections != other.max_connections
    }

    /// Reads the saved settings; defaults when missing or unreadable (with a warning).
    pub fn load(data_dir: &Path) -> Settings {
        let path = data_dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!("ignoring {}: {e}", path.display());
                Settings::default()
            }),
            Err(_) => Settings::default(),
        }
    }

    /// Saves the settings.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(data_dir)?;
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Atomically: a crash or a full disk mid-write leaves the previous file whole.
        let temp = data_dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&temp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&temp, data_dir.join(FILE_NAME))) {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_save_leaves_the_previous_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let first = Settings {
            port: 4601,
            ..Settings::default()
        };
        first.save(dir.path()).unwrap();
        // The temp file's name is taken by a directory: the write fails before any rename.
        let temp = dir
            .path()
            .join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        std::fs::create_dir(&temp).unwrap();
        let second = Settings {
            port: 4602,
            ..Settings::default()
        };
        assert!(second.save(dir.path()).is_err());
        assert_eq!(Settings::load(dir.path()), first);
        std::fs::remove_dir(&temp).unwrap();
        second.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), second);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            [std::ffi::OsString::from(FILE_NAME)],
            "a temp file stays"
        );
    }

    #[test]
    fn settings_round_trip_and_bad_files_give_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let s = Settings {
            port: 4601,
            ..Settings::default()
        };
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), s);
        std::fs::write(dir.path().join(FILE_NAME), "{not json").unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }

    #[test]
    fn only_server_settings_restart_the_server() {
        let a = Settings::default();
        let b = Settings {
            log_level: "debug".into(),
            ..a.clone()
        };
        assert!(!a.needs_restart(&b));
        let c = Settings {
            port: 1,
            ..a.clone()
        };
        assert!(a.needs_restart(&c));
        assert_eq!(
            Settings {
                interval_ms: 10,
                ..a
            }
            .interval(),
            MIN_INTERVAL
        );
    }
}
