//! Log setup: human-readable lines on stderr, filtered by `--log-level`.
//!
//! The filter is `tracing_subscriber`'s `Targets`: a level (`info`) or `target=level` pairs
//! separated by commas (`warn,psmonitor_server=debug`), the syntax `RUST_LOG` uses, without
//! `EnvFilter`'s regular-expression engine (about 0.3 MB of the binary).

use std::io::IsTerminal;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The level or filter text is not valid.
    #[error("invalid --log-level {level:?}: {message} (use error, warn, info, debug or trace)")]
    Filter {
        /// What was given.
        level: String,
        /// What the parser said.
        message: String,
    },
    /// Another global subscriber is already installed.
    #[error("cannot set up logging: {0}")]
    Install(String),
}

/// Parses `level`: `error`..`trace`, `off`, or `target=level,...` directives.
pub fn filter(level: &str) -> Result<Targets, LogError> {
    level.parse().map_err(
        |e: tracing_subscriber::filter::ParseError| LogError::Filter {
            level: level.to_owned(),
            message: e.to_string(),
        },
    )
}

/// Installs the global subscriber; `level` is `error`..`trace` or a full filter directive.
pub fn init(level: &str) -> Result<(), LogError> {
    let filter = filter(level)?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .with(filter)
        .try_init()
        .map_err(|e| LogError::Install(e.to_string()))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn levels_and_target_directives_parse_as_before() {
        let plain = filter("info").unwrap();
        assert!(plain.would_enable("psmonitor_server::conn", &Level::INFO));
        assert!(!plain.would_enable("psmonitor_server::conn", &Level::DEBUG));
        let mixed = filter("warn,psmonitor_server=debug").unwrap();
        assert!(mixed.would_enable("psmonitor_server::conn", &Level::DEBUG));
        assert!(!mixed.would_enable("psmonitor_server::conn", &Level::TRACE));
        assert!(!mixed.would_enable("psmonitor_history", &Level::INFO));
        assert!(mixed.would_enable("psmonitor_history", &Level::WARN));
        let off = filter("off").unwrap();
        assert!(!off.would_enable("psmonitor_server", &Level::ERROR));
    }

    #[test]
    fn a_bad_filter_says_what_to_write() {
        for bad in ["app=noisy", "a=b=c", "app[{f]=info"] {
            let err = filter(bad).unwrap_err().to_string();
            assert!(
                err.contains(bad) && err.contains("use error, warn, info, debug or trace"),
                "{bad}: {err}"
            );
        }
    }
}
