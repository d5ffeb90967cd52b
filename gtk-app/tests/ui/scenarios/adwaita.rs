//! libadwaita: the main window is an `AdwApplicationWindow` with an `AdwHeaderBar`, transient
//! messages are toasts, and the preferences are an `AdwPreferencesWindow` that saves what it
//! changes.

use std::time::Duration;

use psmonitor_gtk::adw;
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::main_window::toasts_shown;

use crate::harness::{World, find, pump, wait_until};

/// Waits until `root` shows a toast containing `text`.
fn toast(root: &impl IsA<gtk::Widget>, text: &str) -> Result<(), String> {
    let mut seen = Vec::new();
    // A toast shown earlier (4 s each) goes first.
    wait_until(
        &format!("a toast {text:?}"),
        Duration::from_secs(15),
        || {
            seen = toasts_shown(root);
            seen.iter().any(|t| t.contains(text))
        },
    )
    .map_err(|e| format!("{e}; toasts shown: {seen:?}"))
}

/// The first descendant of `root` of type `T` that `ok` accepts.
fn descendant<T: IsA<gtk::Widget>>(
    root: &impl IsA<gtk::Widget>,
    ok: impl Fn(&T) -> bool,
) -> Option<T> {
    let mut stack = vec![root.as_ref().clone()];
    while let Some(w) = stack.pop() {
        if let Ok(t) = w.clone().downcast::<T>()
            && ok(&t)
        {
            return Some(t);
        }
        let mut child = w.first_child();
        while let Some(c) = child {
            child = c.next_sibling();
            stack.push(c);
        }
    }
    None
}

pub fn main_window_is_adwaita_and_toasts_confirm(w: &World) -> Result<(), String> {
    let c = &w.controller;
    let window = &c.window.window;
    if descendant::<adw::HeaderBar>(window, |_| true).is_none() {
        return Err("the main window has no AdwHeaderBar".into());
    }
    // (Toasts of earlier scenarios may still show, but not this one.)
    if toasts_shown(window)
        .iter()
        .any(|t| t.contains("settings saved"))
    {
        return Err(format!(
            "toasts before anything: {:?}",
            toasts_shown(window)
        ));
    }
    // Server settings applied: a toast on the main window says so.
    let settings = c.open_settings();
    settings.apply.emit_clicked();
    settings.window.close();
    toast(window, "Server settings saved")?;
    // Copy in the credentials window: a toast there.
    wait_until("the embedded server", Duration::from_secs(20), || {
        c.server_url().is_some()
    })?;
    let credentials = c.open_credentials();
    pump(Duration::from_millis(50));
    let copy = descendant::<gtk::Button>(&credentials, |b| {
        b.label().as_deref() == Some("Copy")
            && b.tooltip_text().as_deref() == Some("Copy the server")
    })
    .ok_or("no Copy button for the server in the credentials window")?;
    copy.emit_clicked();
    let result = toast(&credentials, "Server copied");
    credentials.close();
    result
}

pub fn preferences_window_changes_and_saves_a_setting(w: &World) -> Result<(), String> {
    let c = &w.controller;
    let before = Settings::load(&c.options.data_dir).notify;
    let dialog = c.open_preferences();
    let prefs = dialog
        .window
        .clone()
        .downcast::<adw::PreferencesWindow>()
        .map_err(|_| "the preferences are not an AdwPreferencesWindow")?;
    pump(Duration::from_millis(50));
    if find(&prefs, "pref-notify-remote").is_none() {
        return Err("no remote notifications switch in the window".into());
    }
    dialog.notify_remote.set_active(!before.remote);
    dialog.apply.emit_clicked();
    let saved = Settings::load(&c.options.data_dir).notify;
    if saved.remote == before.remote || saved.this_computer != before.this_computer {
        return Err(format!("saved {saved:?}, was {before:?}"));
    }
    toast(&prefs, "Preferences saved")?;
    pump(Duration::from_millis(300));
    crate::harness::render(&prefs)?
        .save_to_png(crate::harness::screenshots().join("preferences-window.png"))
        .map_err(|e| e.to_string())?;
    prefs.close();
    // Opened again, it shows what was saved.
    let again = c.open_preferences();
    let shows = again.notify_remote.is_active();
    // Back as it was for the scenarios that follow.
    again.notify_remote.set_active(before.remote);
    again.apply.emit_clicked();
    again.window.close();
    if shows == before.remote {
        return Err("the reopened window shows the old setting".into());
    }
    if Settings::load(&c.options.data_dir).notify != before {
        return Err("the setting was not restored".into());
    }
    Ok(())
}
