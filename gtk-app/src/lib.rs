//! PSMonitor's GTK 4 desktop app: an embedded server plus live views of local and remote hosts.
//!
//! The display-free parts (view model, history, formatting, settings, embedded server) are plain
//! Rust and unit tested without a display; the widgets live in the `ui` modules.
#![forbid(unsafe_code)]

pub mod client;
pub mod details;
pub mod embedded;
pub mod format;
pub mod history;
pub mod keyring_state;
pub mod logging;
pub mod meminfo;
pub mod model;
pub mod probe;
pub mod process_info;
pub mod process_list;
pub mod resources;
pub mod settings_store;
pub mod ui;

/// The GTK re-exports the app uses (glib, gio, gdk, cairo come through gtk4).
pub use gtk;

/// libadwaita (1.2), for the window, the toasts and the preferences window.
pub use adw;

/// The application id.
pub const APP_ID: &str = "io.github.psmonitor.PSMonitor";
