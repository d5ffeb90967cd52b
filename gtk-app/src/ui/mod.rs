//! The GTK widgets. Everything here runs on the GTK main thread; background threads (server,
//! watches, start-up) reach it only through `async_channel`s read by `glib::spawn_future_local`.

pub mod app;
pub mod banner;
pub mod dialogs;
pub mod graphs;
pub mod panels;
pub mod password;
pub mod processes;
pub mod settings;
pub mod theme;
pub mod trust;
pub mod window;
