//! Server settings: built-in defaults, overridden by a TOML file, overridden by flags or
//! `PSMONITOR_*` environment variables.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Default listen port (the original's).
pub const DEFAULT_PORT: u16 = 4500;
/// Shortest sampling interval accepted.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// When the server speaks TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// TLS unless the listen address is a loopback address (so local clients keep plain HTTP).
    #[default]
    Auto,
    /// Always TLS.
    On,
    /// Never TLS (passwords and tokens then travel in clear beyond this machine).
    Off,
}

impl TlsMode {
    /// Whether a server listening on `address` speaks TLS.
    pub fn enabled_for(self, address: IpAddr) -> bool {
        match self {
            Self::On => true,
            Self::Off => false,
            Self::Auto => !is_loopback(address),
        }
    }
}

/// A loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z); anything else, the unspecified
/// addresses included, reaches other hosts.
pub fn is_loopback(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Everything the server needs to run.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// Address to listen on.
    pub address: IpAddr,
    /// More addresses to listen on, on the same port: the others a `--address` host name names.
    pub also_listen: Vec<IpAddr>,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Time between host samples while someone subscribes.
    pub interval: Duration,
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// Websocket connections allowed at once.
    pub max_connections: usize,
    /// Lifetime of access tokens.
    pub token_ttl: Duration,
    /// Replay this recorded host instead of reading the real one.
    pub fixture: Option<PathBuf>,
    /// Time a client has to send a request head, and again its body.
    pub header_timeout: Duration,
    /// Silence after which a websocket subscriber (no pong to the ping) is closed with 1008.
    pub silence_limit: Duration,
    /// How long after the password login a session may be refreshed.
    pub session_lifetime: Duration,
    /// When to speak TLS.
    pub tls: TlsMode,
    /// The operator's PEM certificate chain; without it a self-signed one in the data dir.
    pub tls_cert: Option<PathBuf>,
    /// The operator's PEM private key, with `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// History on (`--history on`, the default): sample every interval all the time, keep
    /// `history.db`, serve `/history`. Off: sample only on demand, as before.
    pub history: bool,
    /// How long every sample is kept (`--history-raw`, default 24h).
    pub history_raw: Duration,
    /// How long per-minute average, minimum and maximum are kept (`--history-rollup`, default 30d).
    pub history_rollup: Duration,
    /// Serve `/metrics` without a token (`--metrics-public`).
    pub metrics_public: bool,
    /// Memory for connections when no cgroup limit is set, and at most that with one
    /// (`--memory-budget`; default 1 GiB, see `memory_budget.rs`).
    pub memory_budget: Option<u64>,
    /// Origins whose web pages may log in cross-origin (`--cors-origin`), e.g.
    /// `https://dash.example:8443`; the server's own pages always may.
    pub cors_origins: Vec<String>,
}

impl ServerConfig {
    /// Whether this server speaks TLS: with `auto`, unless every address it listens on is a
    /// loopback one.
    pub fn tls_enabled(&self) -> bool {
        self.addresses()
            .into_iter()
            .any(|address| self.tls.enabled_for(address))
    }

    /// Every address it listens on: `address`, then `also_listen`.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut all = vec![self.address];
        all.extend(&self.also_listen);
        all
    }
}

impl ServerConfig {
    /// The built-in defaults, with the database under `data_dir`.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Self {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            also_listen: Vec::new(),
            port: DEFAULT_PORT,
            interval: Duration::from_secs(1),
            data_dir,
            max_connections: 1024,
            token_ttl: Duration::from_secs(60),
            fixture: None,
            header_timeout: Duration::from_secs(10),
            silence_limit: psmonitor_core::http1::SILENCE_LIMIT,
            session_lifetime: Duration::from_secs(12 * 3600),
            tls: TlsMode::Auto,
            tls_cert: None,
            tls_key: None,
            history: true,
            history_raw: Duration::from_secs(24 * 3_600),
            history_rollup: Duration::from_secs(30 * 86_400),
            metrics_public: false,
            memory_budget: None,
            cors_origins: Vec::new(),
        }
    }
}

/// `$XDG_DATA_HOME/psmonitor`, else `~/.local/share/psmonitor`, else `./psmonitor-data`.
pub fn default_data_dir() -> PathBuf {
    let xdg = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty());
    if let Some(dir) = xdg {
        return PathBuf::from(dir).join("psmonitor");
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/psmonitor"),
        None => PathBuf::from("psmonitor-data"),
    }
}

/// Settings as written in a `--config` TOML file; every key is optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    /// Address or host name to listen on.
    pub address: Option<String>,
    /// Port to listen on.
    pub port: Option<u16>,
    /// Sampling interval, e.g. `"1s"` or `"500ms"`.
    pub interval: Option<String>,
    /// Data directory.
    #[serde(alias = "data_dir")]
    pub data_dir: Option<PathBuf>,
    /// Websocket connections allowed at once.
    #[serde(alias = "max_connections")]
    pub max_connections: Option<usize>,
    /// Token lifetime, e.g. `"60s"`.
    #[serde(alias = "token_ttl")]
    pub token_ttl: Option<String>,
    /// Session lifetime, e.g. `"12h"`.
    #[serde(alias = "session_lifetime")]
    pub session_lifetime: Option<String>,
    /// Header timeout, e.g. `"10s"`.
    #[serde(alias = "header_timeout")]
    pub header_timeout: Option<String>,
    /// Websocket silence limit, e.g. `"30s"`.
    #[serde(alias = "silence_limit")]
    pub silence_limit: Option<String>,
    /// `auto`, `on` or `off`.
    pub tls: Option<TlsMode>,
    /// PEM certificate chain.
    #[serde(alias = "tls_cert")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    #[serde(alias = "tls_key")]
    pub tls_key: Option<PathBuf>,
    /// Log filter, e.g. `info` or `psmonitor_server=debug`.
    #[serde(alias = "log_level")]
    pub log_level: Option<String>,
    /// Recorded host to replay.
    pub fixture: Option<PathBuf>,
    /// History on or off: `"on"` or `"off"`.
    pub history: Option<String>,
    /// Raw history retention, e.g. `"24h"`.
    #[serde(alias = "history_raw")]
    pub history_raw: Option<String>,
    /// Rollup history retention, e.g. `"30d"`.
    #[serde(alias = "history_rollup")]
    pub history_rollup: Option<String>,
    /// Serve `/metrics` without a token.
    #[serde(alias = "metrics_public")]
    pub metrics_public: Option<bool>,
    /// Memory for connections, e.g. `"64MiB"`.
    #[serde(alias = "memory_budget")]
    pub memory_budget: Option<String>,
    /// Origins allowed to log in cross-origin, e.g. `["https://dash.example:8443"]`.
    #[serde(alias = "cors_origin")]
    pub cors_origin: Option<Vec<String>>,
}

/// A configuration file or value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said.
        message: String,
    },
    /// A duration could not be parsed.
    #[error("invalid {key} {value:?}: {message} (write e.g. \"1s\", \"500ms\" or \"2m\")")]
    Duration {
        /// Which setting.
        key: &'static str,
        /// The text given.
        value: String,
        /// What was wrong.
        message: String,
    },
    /// The interval is shorter than the minimum.
    #[error("interval {0:?} is too short: the minimum is 200ms")]
    IntervalTooShort(Duration),
    /// The websocket silence limit is shorter than the minimum.
    #[error("silence-limit {0:?} is too short: the minimum is 3s (a ping at 2s, 1s for the pong)")]
    SilenceLimitTooShort(Duration),
    /// A switch that is neither `on` nor `off`.
    #[error("invalid {key} {value:?}: write on or off")]
    OnOff {
        /// Which setting.
        key: &'static str,
        /// The text given.
        value: String,
    },
    /// A zero that makes no sense.
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    /// A certificate without its key, or a key without its certificate.
    #[error(
        "--tls-cert and --tls-key go together: give both, or neither for a self-signed certificate"
    )]
    HalfTlsPair,
    /// A size that cannot be parsed.
    #[error(
        "invalid {key} {value:?}: write e.g. \"64MiB\", \"512KiB\", \"1GiB\" or a number of bytes"
    )]
    Size {
        /// Which setting.
        key: &'static str,
        /// The text given.
        value: String,
    },
    /// A `--cors-origin` that is not `http(s)://host[:port]`.
    #[error(
        "invalid cors-origin {0:?}: write the origin of the page, e.g. https://dash.example:8443 (scheme, host and port, no path)"
    )]
    Origin(String),
    /// A certificate given while TLS is off.
    #[error("--tls-cert and --tls-key need TLS: drop --tls off, or the certificate flags")]
    CertWithoutTls,
}

impl FileConfig {
    /// Reads and parses a TOML config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }
}

/// Parses a human duration such as `1s`, `250ms` or `2m` for the setting `key`.
pub fn parse_duration(key: &'static str, value: &str) -> Result<Duration, ConfigError> {
    humantime::parse_duration(value.trim()).map_err(|e| ConfigError::Duration {
        key,
        value: value.to_owned(),
        message: e.to_string(),
    })
}

/// Parses a size in bytes for the setting `key`: a number, optionally followed by `K`/`KiB`,
/// `M`/`MiB` or `G`/`GiB` (powers of 1024).
pub fn parse_size(key: &'static str, value: &str) -> Result<u64, ConfigError> {
    let bad = || ConfigError::Size {
        key,
        value: value.to_owned(),
    };
    let text = value.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(bad()),
    };
    number.checked_mul(1 << shift).ok_or_else(bad)
}

/// Whether `text` is a web origin: `http://` or `https://`, a host (name, IPv4 or `[IPv6]`) and
/// an optional port, nothing after but an optional `/`.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

/// Parses `on` or `off` for the setting `key`.
pub fn parse_on_off(key: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim() {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(ConfigError::OnOff {
            key,
            value: other.to_owned(),
        }),
    }
}

/// Checks the limits every configuration must respect.
pub fn validate(config: &ServerConfig) -> Result<(), ConfigError> {
    if config.interval < MIN_INTERVAL {
        return Err(ConfigError::IntervalTooShort(config.interval));
    }
    if config.max_connections == 0 {
        return Err(ConfigError::Zero("max-connections"));
    }
    if config.token_ttl.is_zero() {
        return Err(ConfigError::Zero("token-ttl"));
    }
    if config.header_timeout.is_zero() {
        return Err(ConfigError::Zero("header-timeout"));
    }
    if config.silence_limit < psmonitor_core::http1::MIN_SILENCE_LIMIT {
        return Err(ConfigError::SilenceLimitTooShort(config.silence_limit));
    }
    if config.session_lifetime.is_zero() {
        return Err(ConfigError::Zero("session-lifetime"));
    }
    if config.tls_cert.is_some() != config.tls_key.is_some() {
        return Err(ConfigError::HalfTlsPair);
    }
    if config.tls_cert.is_some() && config.tls == TlsMode::Off {
        return Err(ConfigError::CertWithoutTls);
    }
    if config.history_raw.is_zero() {
        return Err(ConfigError::Zero("history-raw"));
    }
    if config.history_rollup.is_zero() {
        return Err(ConfigError::Zero("history-rollup"));
    }
    if config.memory_budget == Some(0) {
        return Err(ConfigError::Zero("memory-budget"));
    }
    if let Some(bad) = config.cors_origins.iter().find(|o| !is_origin(o)) {
        return Err(ConfigError::Origin(bad.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
