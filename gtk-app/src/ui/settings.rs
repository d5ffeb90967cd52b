//! The Settings dialog: interval, port, max connections and log level. It gets the settings to
//! show and a closure that applies new ones (`Err` is shown in the dialog).

use gtk::prelude::*;

use crate::settings_store::{LEVELS, Settings};

/// The dialog's inputs, for tests.
#[derive(Debug)]
pub struct SettingsDialog {
    /// The window.
    pub window: gtk::Window,
    /// Interval in milliseconds.
    pub interval: gtk::SpinButton,
    /// Port.
    pub port: gtk::SpinButton,
    /// Max connections.
    pub max_connections: gtk::SpinButton,
    /// Log level.
    pub level: gtk::DropDown,
    /// Apply button.
    pub apply: gtk::Button,
}

fn spin(min: f64, max: f64, step: f64, value: f64) -> gtk::SpinButton {
    let s = gtk::SpinButton::with_range(min, max, step);
    s.set_value(value);
    s.set_hexpand(true);
    s
}

/// Opens the Settings dialog on `s`; Apply hands the edited settings to `apply`.
pub fn open(
    parent: &impl IsA<gtk::Window>,
    s: Settings,
    on_apply: impl Fn(Settings) -> Result<(), String> + 'static,
) -> SettingsDialog {
    let interval = spin(200.0, 60_000.0, 100.0, s.interval_ms as f64);
    let port = spin(0.0, 65_535.0, 1.0, f64::from(s.port));
    let max_connections = spin(1.0, 100_000.0, 1.0, s.max_connections as f64);
    let level = gtk::DropDown::from_strings(&LEVELS);
    let current = LEVELS.iter().position(|l| *l == s.log_level).unwrap_or(2);
    level.set_selected(current as u32);
    let grid = gtk::Grid::builder()
        .row_spacing(8)
        .column_spacing(12)
        .build();
    let rows: [(&str, &gtk::Widget); 4] = [
        ("Sampling interval (ms)", interval.upcast_ref()),
        ("Port (0 = any free port)", port.upcast_ref()),
        ("Max connections", max_connections.upcast_ref()),
        ("Log level", level.upcast_ref()),
    ];
    for (row, (key, widget)) in rows.into_iter().enumerate() {
        let label = gtk::Label::builder().label(key).xalign(0.0).build();
        grid.attach(&label, 0, row as i32, 1, 1);
        grid.attach(widget, 1, row as i32, 1, 1);
    }
    let note = gtk::Label::builder()
        .label("Changing the interval, port or connection limit restarts the embedded server.")
        .wrap(true)
        .xalign(0.0)
        .build();
    note.add_css_class("dim-label");
    let error = gtk::Label::builder().xalign(0.0).wrap(true).build();
    error.add_css_class("error");
    let apply = gtk::Button::with_label("Apply");
    apply.add_css_class("suggested-action");
    let close = gtk::Button::with_label("Close");
    let buttons = gtk::Box::builder()
        .spacing(8)
        .halign(gtk::Align::End)
        .build();
    buttons.append(&close);
    buttons.append(&apply);
    let body = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(10)
        .margin_top(12)
        .margin_bottom(12)
        .margin_start(12)
        .margin_end(12)
        .build();
    body.append(&grid);
    body.append(&note);
    body.append(&error);
    body.append(&buttons);
    let window = gtk::Window::builder()
        .title("Settings")
        .transient_for(parent)
        .child(&body)
        .build();
    crate::ui::dialogs::close_on_escape(&window);
    let w = window.clone();
    close.connect_clicked(move |_| w.close());
    let base = s.clone();
    let (i, p, m, l) = (
        interval.clone(),
        port.clone(),
        max_connections.clone(),
        level.clone(),
    );
    apply.connect_clicked(move |_| {
        let new = Settings {
            interval_ms: i.value_as_int().max(200) as u64,
            port: u16::try_from(p.value_as_int()).unwrap_or(0),
            max_connections: m.value_as_int().max(1) as usize,
            log_level: LEVELS
                .get(l.selected() as usize)
                .copied()
                .unwrap_or("info")
                .to_owned(),
            ..base.clone()
        };
        error.set_text("");
        if let Err(why) = on_apply(new) {
            error.set_text(&why);
        }
    });
    window.present();
    SettingsDialog {
        window,
        interval,
        port,
        max_connections,
        level,
        apply,
    }
}
