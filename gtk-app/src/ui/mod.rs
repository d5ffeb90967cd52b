//! The GTK widgets. Everything here runs on the GTK main thread; background threads (server,
//! watches, start-up) reach it only through `async_channel`s read by `glib::spawn_future_local`.

pub mod app;
pub mod banner;
pub mod credentials;
pub mod dialogs;
pub mod host_pane;
pub mod host_view;
pub mod main_window;
pub mod password;
pub mod plot;
pub mod preferences;
pub mod process_details;
pub mod processes;
pub mod resource_page;
pub mod settings;
pub mod shortcuts;
pub mod sidebar;
pub mod stalls;
pub mod theme;
pub mod trust;
