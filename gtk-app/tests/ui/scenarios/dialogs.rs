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
        ("app.preferences", "<Control>comma"),
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

pub fn preferences_change_units_and_resources(w: &World) -> Result<(), String> {
    use psmonitor_gtk::format::Units;
    use psmonitor_gtk::resources::Resource;

    let c = &w.controller;
    let win = &c.main.root;
    let before = c.settings();
    let dialog = c.open_preferences();
    dialog.bits.set_active(true);
    dialog.base10.set_active(true);
    dialog.fahrenheit.set_active(true);
    for (kind, check) in psmonitor_gtk::resources::KINDS.iter().zip(&dialog.shown) {
        if matches!(*kind, "gpu" | "battery") {
            check.set_active(false);
        }
    }
    dialog.apply.emit_clicked();
    dialog.window.close();
    let units = Units {
        network_bits: true,
        base10: true,
        fahrenheit: true,
    };
    let saved = Settings::load(&c.options.data_dir);
    if saved.units != units || saved.hidden != ["gpu", "battery"] {
        return Err(format!("saved {:?} {:?}", saved.units, saved.hidden));
    }
    let g = crate::harness::golden(crate::harness::LOCAL_HOST, "system.json");
    let want_temp = units.temp(g["cpu"]["temp"].as_f64());
    wait_until("the new units", Duration::from_secs(10), || {
        crate::harness::text(win, "cpu-temp") == want_temp
            && crate::harness::text(win, "side-network-value").contains("bit/s")
    })?;
    let shown = c.main.view.borrow().sidebar.resources();
    if shown
        .iter()
        .any(|r| matches!(r, Resource::Gpu(_) | Resource::Battery))
    {
        return Err(format!("hidden resources still shown: {shown:?}"));
    }
    if !shown.contains(&Resource::Sensors) {
        return Err(format!("sensors vanished: {shown:?}"));
    }
    // Back to the defaults for the scenarios that follow.
    c.apply_preferences(psmonitor_gtk::ui::preferences::Preferences {
        interval_ms: before.interval_ms,
        units: before.units,
        hidden: before.hidden,
        notify: before.notify,
    })?;
    if c.server_url().is_none() {
        return Err("the server stopped".into());
    }
    Ok(())
}
