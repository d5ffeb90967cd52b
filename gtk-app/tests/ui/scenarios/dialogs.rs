//! Settings, shortcuts and About.

use std::time::Duration;

use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::settings_store::Settings;

use crate::harness::{World, pump, wait_until};

pub fn settings_dialog_applies_the_log_level_live(w: &World) -> Result<(), String> {
    let c = &w.controller;
    let port_before = c.server_url();
    let dialog = c.open_settings();
    dialog.level.set_selected(3);
    dialog.apply.emit_clicked();
    dialog.window.close();
    if c.settings().log_level != "debug" {
        return Err(format!("log level now {:?}", c.settings().log_level));
    }
    let saved = Settings::load(&c.options.data_dir);
    if saved.log_level != "debug" {
        return Err(format!("saved log level {:?}", saved.log_level));
    }
    // The log level alone does not restart the server.
    pump(Duration::from_millis(300));
    if c.server_url() != port_before {
        return Err("the server restarted for a log level change".into());
    }
    tracing::debug!("debug lines now reach the log");
    wait_until("a debug line in the log", Duration::from_secs(5), || {
        c.log.text().contains("debug lines now reach the log")
    })?;
    c.level.set("info").map_err(|e| e.to_string())
}

pub fn shortcuts_and_about(w: &World) -> Result<(), String> {
    let app = &w.controller.app;
    for (action, accel) in [
        ("app.quit", "<Control>q"),
        ("app.settings", "<Control>comma"),
    ] {
        let accels = app.accels_for_action(action);
        if !accels.iter().any(|a| a == accel) {
            return Err(format!("{action} has {accels:?}, expected {accel}"));
        }
    }
    psmonitor_gtk::ui::dialogs::about(&w.controller.main.window);
    pump(Duration::from_millis(200));
    let about = gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|t| t.downcast::<gtk::AboutDialog>().ok())
        .next()
        .ok_or("no About dialog")?;
    let ok = about.version().as_deref() == Some(env!("CARGO_PKG_VERSION"))
        && about.license_type() == gtk::License::MitX11
        && about.logo().is_some();
    about.close();
    if ok {
        Ok(())
    } else {
        Err("About lacks version, licence or logo".into())
    }
}
