//! SIGHUP (`systemctl reload psmonitor`) never stops the server, with or without TLS. It reloads
//! the TLS certificate and key (new connections get the new one; open ones keep theirs), re-reads
//! the `--config` file (under the flags and environment given at start) and logs what it did: a
//! setting that changed is named, and applies at the next start; an invalid file is reported
//! and the running settings stay.

use std::sync::Arc;

use futures_lite::StreamExt;
use psmonitor_server::config::ServerConfig;
use psmonitor_tls::ServerTls;

/// SIGHUP caught from the moment this exists, so a reload sent early never kills the server.
pub struct Hangups(Option<async_signal::Signals>);

impl Hangups {
    /// Starts catching SIGHUP.
    pub fn watch() -> Self {
        match async_signal::Signals::new([async_signal::Signal::Hup]) {
            Ok(signals) => Self(Some(signals)),
            Err(e) => {
                tracing::warn!("cannot watch SIGHUP, reloads are not possible: {e}");
                Self(None)
            }
        }
    }
}

/// The settings that differ between `old` and `new`, by their flag names.
pub fn changed_settings(old: &ServerConfig, new: &ServerConfig) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! compare {
        ($($field:ident => $name:literal),* $(,)?) => {
            // Every field is listed: a new one fails to compile here until it is.
            let ServerConfig { $($field: _),* } = old;
            $(if old.$field != new.$field && !changed.contains(&$name) { changed.push($name); })*
        };
    }
    compare!(
        address => "address",
        also_listen => "address",
        port => "port",
        interval => "interval",
        data_dir => "data-dir",
        max_connections => "max-connections",
        token_ttl => "token-ttl",
        fixture => "fixture",
        header_timeout => "header-timeout",
        silence_limit => "silence-limit",
        session_lifetime => "session-lifetime",
        tls => "tls",
        tls_cert => "tls-cert",
        tls_key => "tls-key",
        history => "history",
        history_raw => "history-raw",
        history_rollup => "history-rollup",
        metrics_public => "metrics-public",
        memory_budget => "memory-budget",
        cors_origins => "cors-origin",
    );
    changed
}

/// Handles every SIGHUP until the process ends: reloads the certificate, re-reads the settings
/// with `reread` and compares them with `running`. Never finishes.
pub async fn reload_on_hangup(
    hangups: Hangups,
    tls: Option<Arc<ServerTls>>,
    running: ServerConfig,
    reread: impl Fn() -> anyhow::Result<ServerConfig>,
) {
    let Some(mut signals) = hangups.0 else {
        return std::future::pending().await;
    };
    while signals.next().await.is_some() {
        match &tls {
            Some(tls) => match tls.reload() {
                Ok(fingerprint) => {
                    tracing::info!(%fingerprint, "SIGHUP: reloaded the TLS certificate");
                }
                Err(e) => tracing::warn!(
                    "SIGHUP: cannot reload the TLS certificate, keeping the current one: {e}"
                ),
            },
            None => tracing::info!("SIGHUP: plain HTTP, no TLS certificate to reload"),
        }
        match reread() {
            Ok(new) => {
                let changed = changed_settings(&running, &new);
                if changed.is_empty() {
                    tracing::info!("SIGHUP: re-read the settings: unchanged");
                } else {
                    tracing::warn!(
                        changed = %changed.join(", "),
                        "SIGHUP: re-read the settings: these changed and apply at the next start (systemctl restart psmonitor)"
                    );
                }
            }
            Err(e) => {
                tracing::warn!("SIGHUP: the settings are invalid, the running ones stay: {e:#}")
            }
        }
    }
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;

    #[test]
    fn changed_settings_are_named_by_flag() {
        let old = ServerConfig::with_data_dir(PathBuf::from("/d"));
        assert!(changed_settings(&old, &old.clone()).is_empty());
        let mut new = old.clone();
        new.port = 4600;
        new.interval = Duration::from_secs(2);
        new.metrics_public = true;
        assert_eq!(
            changed_settings(&old, &new),
            ["port", "interval", "metrics-public"]
        );
    }
}
