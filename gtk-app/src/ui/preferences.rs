//! The Preferences dialog: update interval, units (bits or bytes for network rates, base 2 or
//! 10, Celsius or Fahrenheit) and which resources the sidebar shows. It gets the preferences to
//! show and a closure that applies new ones.

use gtk::prelude::*;

use crate::format::Units;
use crate::resources::KINDS;
use crate::ui::dialogs::{button_row, dialog, vbox};

/// What the dialog edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preferences {
    /// This computer's sampling interval, milliseconds.
    pub interval_ms: u64,
    /// Units.
    pub units: Units,
    /// Resource kinds left out of the sidebar.
    pub hidden: Vec<String>,
    /// Which hosts' going down and coming back are notified.
    pub notify: crate::settings_store::Notify,
}

/// The dialog's inputs, for tests.
#[derive(Debug)]
pub struct PreferencesDialog {
    /// The window.
    pub window: gtk::Window,
    /// Update interval, milliseconds.
    pub interval: gtk::SpinButton,
    /// Network rates in bits.
    pub bits: gtk::CheckButton,
    /// Powers of 1000.
    pub base10: gtk::CheckButton,
    /// Fahrenheit.
    pub fahrenheit: gtk::CheckButton,
    /// One check per resource kind, in [`KINDS`] order.
    pub shown: Vec<gtk::CheckButton>,
    /// Notify when a remote host goes down or comes back.
    pub notify_remote: gtk::CheckButton,
    /// Notify when this computer's server goes down or comes back.
    pub notify_local: gtk::CheckButton,
    /// Apply.
    pub apply: gtk::Button,
}

fn check(label: &str, active: bool, name: &str) -> gtk::CheckButton {
    gtk::CheckButton::builder()
        .label(label)
        .active(active)
        .name(name)
        .build()
}

fn heading(text: &str) -> gtk::Label {
    let l = gtk::Label::builder().label(text).xalign(0.0).build();
    l.add_css_class("heading");
    l
}

/// Opens the dialog on `p`; Apply hands the edited preferences to `on_apply`.
pub fn open(
    parent: &impl IsA<gtk::Window>,
    p: &Preferences,
    on_apply: impl Fn(Preferences) -> Result<(), String> + 'static,
) -> PreferencesDialog {
    let body = vbox();
    body.append(&heading("Updates"));
    let interval = gtk::SpinButton::with_range(200.0, 60_000.0, 100.0);
    interval.set_value(p.interval_ms as f64);
    interval.set_widget_name("pref-interval");
    let row = gtk::Box::new(gtk::Orientation::Horizontal, 8);
    row.append(&gtk::Label::new(Some(
        "This computer's update interval (ms)",
    )));
    row.append(&interval);
    body.append(&row);
    body.append(&heading("Units"));
    let bits = check(
        "Network rates in bits per second",
        p.units.network_bits,
        "pref-bits",
    );
    let base10 = check(
        "Powers of 1000 (kB, MB) instead of 1024 (KiB, MiB)",
        p.units.base10,
        "pref-base10",
    );
    let fahrenheit = check("Temperatures in °F", p.units.fahrenheit, "pref-fahrenheit");
    for c in [&bits, &base10, &fahrenheit] {
        body.append(c);
    }
    body.append(&heading("Sidebar"));
    let flow = gtk::FlowBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .max_children_per_line(4)
        .build();
    let shown: Vec<gtk::CheckButton> = KINDS
        .iter()
        .map(|kind| {
            let label = match *kind {
                "cpu" => "CPU".to_owned(),
                "gpu" => "GPUs".to_owned(),
                k => {
                    let mut c = k.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                }
            };
            let active = !p.hidden.iter().any(|h| h == kind);
            let c = check(&label, active, &format!("pref-show-{kind}"));
            flow.insert(&c, -1);
            c
        })
        .collect();
    body.append(&flow);
    body.append(&heading("Notifications"));
    let notify_remote = check(
        "When a remote host goes down or comes back",
        p.notify.remote,
        "pref-notify-remote",
    );
    let notify_local = check(
        "When this computer's server goes down or comes back",
        p.notify.this_computer,
        "pref-notify-local",
    );
    body.append(&notify_remote);
    body.append(&notify_local);
    let error = gtk::Label::builder().xalign(0.0).wrap(true).build();
    error.add_css_class("error");
    body.append(&error);
    let (buttons, close, apply) = button_row("Close", "Apply");
    body.append(&buttons);
    let window = dialog(parent, "Preferences", &body);
    let w = window.clone();
    close.connect_clicked(move |_| w.close());
    let (i, b, t, f, s) = (
        interval.clone(),
        bits.clone(),
        base10.clone(),
        fahrenheit.clone(),
        shown.clone(),
    );
    let (nr, nl) = (notify_remote.clone(), notify_local.clone());
    apply.connect_clicked(move |_| {
        let new = Preferences {
            interval_ms: i.value_as_int().max(200) as u64,
            units: Units {
                network_bits: b.is_active(),
                base10: t.is_active(),
                fahrenheit: f.is_active(),
            },
            hidden: KINDS
                .iter()
                .zip(&s)
                .filter(|(_, c)| !c.is_active())
                .map(|(k, _)| (*k).to_owned())
                .collect(),
            notify: crate::settings_store::Notify {
                remote: nr.is_active(),
                this_computer: nl.is_active(),
            },
        };
        error.set_text("");
        if let Err(why) = on_apply(new) {
            error.set_text(&why);
        }
    });
    window.present();
    PreferencesDialog {
        window,
        interval,
        bits,
        base10,
        fahrenheit,
        shown,
        notify_remote,
        notify_local,
        apply,
    }
}
