//! Logging: tracing lines go to stderr and, through a channel, to an in-memory ring buffer that
//! the UI thread owns (the "Open log" window reads it). The filter can be changed live.
//! It is `tracing_subscriber`'s `Targets`: a level or `target=level` pairs separated by commas.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::rc::Rc;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Registry, fmt, reload};

/// Lines kept for the log window.
pub const CAPACITY: usize = 2000;

/// Why logging could not be set up or changed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The level or filter text is not valid.
    #[error("invalid log level {level:?}: {message} (use error, warn, info, debug or trace)")]
    Filter {
        /// What was given.
        level: String,
        /// What the parser said.
        message: String,
    },
    /// The filter could not be swapped.
    #[error("cannot change the log level: {0}")]
    Reload(String),
}

/// Changes the filter of the installed subscriber.
#[derive(Clone, Debug)]
pub struct LevelHandle(Option<reload::Handle<Targets, Registry>>);

impl LevelHandle {
    /// Applies a new level such as `debug`, or a full filter directive.
    pub fn set(&self, level: &str) -> Result<(), LogError> {
        let filter = filter(level)?;
        match &self.0 {
            Some(handle) => handle
                .reload(filter)
                .map_err(|e| LogError::Reload(e.to_string())),
            None => Ok(()),
        }
    }
}

fn filter(level: &str) -> Result<Targets, LogError> {
    level.parse().map_err(
        |e: tracing_subscriber::filter::ParseError| LogError::Filter {
            level: level.to_owned(),
            message: e.to_string(),
        },
    )
}

/// Writes each formatted line to the channel, dropping it if the UI has not caught up.
#[derive(Clone, Debug)]
struct ChannelWriter(async_channel::Sender<String>);

/// One formatted event; sent when dropped.
struct Line(Vec<u8>, async_channel::Sender<String>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0).trim_end().to_owned();
        if !text.is_empty() {
            let _ = self.1.try_send(text);
        }
    }
}

impl<'a> fmt::MakeWriter<'a> for ChannelWriter {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line(Vec::new(), self.0.clone())
    }
}

/// Installs the global subscriber; returns the level handle and the receiving end of the lines.
/// If a subscriber is already installed (tests), the handle does nothing.
pub fn init(level: &str) -> Result<(LevelHandle, async_channel::Receiver<String>), LogError> {
    let (tx, rx) = async_channel::bounded(CAPACITY);
    let (filter_layer, handle) = reload::Layer::new(filter(level)?);
    let installed = tracing_subscriber::registry()
        .with(filter_layer)
        .with(fmt::layer().with_writer(std::io::stderr).with_target(false))
        .with(
            fmt::layer()
                .with_writer(ChannelWriter(tx))
                .with_ansi(false)
                .with_target(false),
        )
        .try_init();
    Ok((LevelHandle(installed.ok().map(|()| handle)), rx))
}

/// The ring buffer of log lines; lives on the UI thread.
#[derive(Clone, Debug, Default)]
pub struct LogBuffer(Rc<RefCell<VecDeque<String>>>);

impl LogBuffer {
    /// Appends a line, forgetting the oldest beyond [`CAPACITY`].
    pub fn push(&self, line: String) {
        let mut lines = self.0.borrow_mut();
        if lines.len() == CAPACITY {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// All lines joined by newlines.
    pub fn text(&self) -> String {
        let lines = self.0.borrow();
        let mut out = String::new();
        for line in lines.iter() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_keeps_the_newest_lines() {
        let buf = LogBuffer::default();
        for i in 0..CAPACITY + 5 {
            buf.push(format!("line {i}"));
        }
        assert_eq!(buf.len(), CAPACITY);
        assert!(buf.text().starts_with("line 5\n"));
    }

    #[test]
    fn bad_levels_say_what_to_write() {
        let err = filter("app=noisy").unwrap_err().to_string();
        assert!(err.contains("debug"), "{err}");
        assert!(filter("debug").is_ok());
        let mixed = filter("warn,psmonitor_gtk=debug").unwrap();
        assert!(mixed.would_enable("psmonitor_gtk::ui", &tracing::Level::DEBUG));
        assert!(!mixed.would_enable("psmonitor_client", &tracing::Level::INFO));
    }
}
