//! The Preferences window (an `AdwPreferencesWindow`): update interval, units (bits or bytes
//! for network rates, base 2 or 10, Celsius or Fahrenheit), which resources the sidebar shows
//! and which notifications are sent. It gets the preferences to show and a closure that applies
//! new ones; "Preferences saved" shows as a toast.

use adw::prelude::*;

use crate::format::Units;
use crate::resources::KINDS;
use crate::ui::dialogs::close_on_escape;

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

/// The window's inputs, for tests.
#[derive(Debug)]
pub struct PreferencesDialog {
    /// The window (an `AdwPreferencesWindow`).
    pub window: gtk::Window,
    /// Update interval, milliseconds.
    pub interval: gtk::SpinButton,
    /// Network rates in bits.
    pub bits: gtk::Switch,
    /// Powers of 1000.
    pub base10: gtk::Switch,
    /// Fahrenheit.
    pub fahrenheit: gtk::Switch,
    /// One switch per resource kind, in [`KINDS`] order.
    pub shown: Vec<gtk::Switch>,
    /// Notify when a remote host goes down or comes back.
    pub notify_remote: gtk::Switch,
    /// Notify when this computer's server goes down or comes back.
    pub notify_local: gtk::Switch,
    /// Apply.
    pub apply: gtk::Button,
}

/// A row of `group` titled `title` with a switch at its end (the whole row toggles it).
fn switch_row(group: &adw::PreferencesGroup, title: &str, active: bool, name: &str) -> gtk::Switch {
    let switch = gtk::Switch::builder()
        .active(active)
        .valign(gtk::Align::Center)
        .name(name)
        .build();
    let row = adw::ActionRow::builder().title(title).build();
    row.add_suffix(&switch);
    row.set_activatable_widget(Some(&switch));
    group.add(&row);
    switch
}

fn group(title: &str) -> adw::PreferencesGroup {
    adw::PreferencesGroup::builder().title(title).build()
}

/// The label of a resource kind.
fn kind_label(kind: &str) -> String {
    match kind {
        "cpu" => "CPU".to_owned(),
        "gpu" => "GPUs".to_owned(),
        k => {
            let mut c = k.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// Opens the window on `p`; Apply hands the edited preferences to `on_apply` (a new interval
/// restarts the embedded server, so changes wait for Apply rather than applying one by one).
pub fn open(
    parent: &impl IsA<gtk::Window>,
    p: &Preferences,
    on_apply: impl Fn(Preferences) -> Result<(), String> + 'static,
) -> PreferencesDialog {
    let page = adw::PreferencesPage::builder()
        .title("General")
        .icon_name("preferences-system-symbolic")
        .build();
    let updates = group("Updates");
    let interval = gtk::SpinButton::with_range(200.0, 60_000.0, 100.0);
    interval.set_value(p.interval_ms as f64);
    interval.set_widget_name("pref-interval");
    interval.set_valign(gtk::Align::Center);
    let row = adw::ActionRow::builder()
        .title("This computer's update interval")
        .subtitle("Milliseconds between two samples")
        .build();
    row.add_suffix(&interval);
    row.set_activatable_widget(Some(&interval));
    updates.add(&row);
    page.add(&updates);
    let units = group("Units");
    let bits = switch_row(
        &units,
        "Network rates in bits per second",
        p.units.network_bits,
        "pref-bits",
    );
    let base10 = switch_row(
        &units,
        "Powers of 1000 (kB, MB) instead of 1024 (KiB, MiB)",
        p.units.base10,
        "pref-base10",
    );
    let fahrenheit = switch_row(
        &units,
        "Temperatures in °F",
        p.units.fahrenheit,
        "pref-fahrenheit",
    );
    page.add(&units);
    let sidebar = group("Sidebar");
    sidebar.set_description(Some("The resources the sidebar lists"));
    let shown: Vec<gtk::Switch> = KINDS
        .iter()
        .map(|kind| {
            let active = !p.hidden.iter().any(|h| h == kind);
            switch_row(
                &sidebar,
                &kind_label(kind),
                active,
                &format!("pref-show-{kind}"),
            )
        })
        .collect();
    page.add(&sidebar);
    let notifications = group("Notifications");
    let notify_remote = switch_row(
        &notifications,
        "When a remote host goes down or comes back",
        p.notify.remote,
        "pref-notify-remote",
    );
    let notify_local = switch_row(
        &notifications,
        "When this computer's server goes down or comes back",
        p.notify.this_computer,
        "pref-notify-local",
    );
    page.add(&notifications);
    let end = adw::PreferencesGroup::new();
    let error = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .name("pref-error")
        .build();
    error.add_css_class("error");
    let apply = gtk::Button::builder()
        .label("Apply")
        .halign(gtk::Align::End)
        .name("pref-apply")
        .build();
    apply.add_css_class("suggested-action");
    end.add(&error);
    end.add(&apply);
    page.add(&end);
    let window = adw::PreferencesWindow::builder()
        .title("Preferences")
        .transient_for(parent)
        .modal(false)
        .search_enabled(false)
        .default_height(640)
        .build();
    window.add(&page);
    close_on_escape(window.upcast_ref());
    let (i, b, t, f, s) = (
        interval.clone(),
        bits.clone(),
        base10.clone(),
        fahrenheit.clone(),
        shown.clone(),
    );
    let (nr, nl) = (notify_remote.clone(), notify_local.clone());
    let w = window.downgrade();
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
        match on_apply(new) {
            Ok(()) => {
                if let Some(w) = w.upgrade() {
                    let toast = adw::Toast::new("Preferences saved");
                    toast.set_timeout(4);
                    w.add_toast(toast);
                }
            }
            Err(why) => error.set_text(&why),
        }
    });
    window.present();
    PreferencesDialog {
        window: window.upcast(),
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
