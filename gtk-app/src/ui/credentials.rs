//! The credentials window of this computer's server: its URL, user name and password (hidden
//! until the user reveals it), or why the password is not known here and what can be done.

use std::rc::Rc;

use gtk::prelude::*;

use crate::ui::app::LocalPassword;
use crate::ui::dialogs::{dialog, vbox};

/// What the buttons of a window without the password do.
pub struct Actions {
    /// Opens the password form.
    pub enter: Rc<dyn Fn()>,
    /// Asks the keyring again.
    pub retry: Rc<dyn Fn()>,
    /// Asks to confirm a reset.
    pub reset: Rc<dyn Fn()>,
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Actions")
    }
}

/// An empty credentials window over `parent` and the box [`fill`] fills.
pub fn window(parent: &impl IsA<gtk::Window>) -> (gtk::Window, gtk::Box) {
    let body = vbox();
    body.set_width_request(480);
    // "Copied" shows here, over the window the user is looking at.
    let toasts = adw::ToastOverlay::new();
    toasts.set_child(Some(&body));
    (dialog(parent, "PSMonitor credentials", &toasts), body)
}

/// A read-only entry with a Copy button; hidden text gets a Show toggle.
fn copy_row(grid: &gtk::Grid, row: i32, key: &str, value: &str, name: &str, hidden: bool) {
    let label = gtk::Label::builder().label(key).xalign(0.0).build();
    let entry = gtk::Entry::builder()
        .text(value)
        .editable(false)
        .hexpand(true)
        .width_chars(30)
        .visibility(!hidden)
        .name(name)
        .build();
    let copy = gtk::Button::with_label("Copy");
    copy.set_tooltip_text(Some(&format!("Copy the {}", key.to_lowercase())));
    let text = value.to_owned();
    let copied = format!("{key} copied");
    copy.connect_clicked(move |b| {
        b.clipboard().set_text(&text);
        if let Some(toasts) = b
            .ancestor(adw::ToastOverlay::static_type())
            .and_then(|w| w.downcast::<adw::ToastOverlay>().ok())
        {
            crate::ui::main_window::show_toast(&toasts, &copied);
        }
    });
    grid.attach(&label, 0, row, 1, 1);
    grid.attach(&entry, 1, row, 1, 1);
    grid.attach(&copy, 2, row, 1, 1);
    if hidden {
        let show = gtk::ToggleButton::builder()
            .label("Show")
            .name(format!("{name}-reveal"))
            .build();
        let e = entry.clone();
        show.connect_toggled(move |t| {
            e.set_visibility(t.is_active());
            t.set_label(if t.is_active() { "Hide" } else { "Show" });
        });
        grid.attach(&show, 3, row, 1, 1);
    }
}

fn hint(text: &str, name: &str) -> gtk::Label {
    let label = gtk::Label::builder()
        .label(text)
        .wrap(true)
        .xalign(0.0)
        .max_width_chars(60)
        .name(name)
        .build();
    label.add_css_class("dim-label");
    label
}

fn button(label: &str, name: &str, run: Rc<dyn Fn()>) -> gtk::Button {
    let b = gtk::Button::builder().label(label).name(name).build();
    b.connect_clicked(move |_| run());
    b
}

/// Replaces `body`'s content with what is known: `url` (`None`: not running) and `password`.
pub fn fill(body: &gtk::Box, url: Option<&str>, password: &LocalPassword, actions: Actions) {
    while let Some(child) = body.first_child() {
        body.remove(&child);
    }
    let Some(url) = url else {
        body.append(&hint(
            "The embedded server is not running, so there are no credentials to show.",
            "cred-state",
        ));
        return;
    };
    let grid = gtk::Grid::builder()
        .row_spacing(8)
        .column_spacing(8)
        .build();
    copy_row(&grid, 0, "Server", url, "cred-url", false);
    body.append(&grid);
    match password {
        LocalPassword::Known(creds) => {
            copy_row(&grid, 1, "Username", &creds.username, "cred-user", false);
            copy_row(&grid, 2, "Password", &creds.password, "cred-password", true);
            body.append(&hint(
                "Other PSMonitor clients log in to this computer with these.",
                "cred-state",
            ));
        }
        LocalPassword::Unknown => body.append(&hint("Asking the keyring…", "cred-state")),
        LocalPassword::Missing(missing) => {
            copy_row(&grid, 1, "Username", &missing.username, "cred-user", false);
            body.append(&hint(&missing.state.explain(), "cred-state"));
            let row = gtk::Box::builder()
                .spacing(8)
                .halign(gtk::Align::End)
                .build();
            row.append(&button(
                "Reset the password…",
                "cred-reset",
                actions.reset.clone(),
            ));
            if missing.state.can_retry() {
                row.append(&button(
                    "Ask the keyring again",
                    "cred-retry",
                    actions.retry.clone(),
                ));
            }
            let enter = button("Enter the password…", "cred-enter", actions.enter.clone());
            enter.add_css_class("suggested-action");
            row.append(&enter);
            body.append(&row);
        }
    }
}
