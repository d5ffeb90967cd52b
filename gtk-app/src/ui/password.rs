//! "Enter the password" and "Reset the password?" for the embedded server's account. They get
//! what to show and what to do; they know nothing of the controller.

use gtk::glib;
use gtk::prelude::*;

use crate::keyring_state::reset_warning;
use crate::ui::dialogs::{button_row, dialog, vbox};

/// The open password form, for tests.
#[derive(Debug)]
pub struct PasswordDialog {
    /// The window.
    pub window: gtk::Window,
    /// The password.
    pub password: gtk::PasswordEntry,
    /// Checks it and, if right, uses it.
    pub ok: gtk::Button,
    /// Why the last try was refused.
    pub error: gtk::Label,
}

/// The answer of a password check, arriving when the (background) check is done.
pub type Checked = async_channel::Receiver<Result<(), String>>;

/// A check that is done at once.
pub fn checked(result: Result<(), String>) -> Checked {
    let (tx, rx) = async_channel::bounded(1);
    let _ = tx.try_send(result);
    rx
}

/// Asks for a password with `prompt`; `submit` starts checking it (off the main thread when
/// that is slow) and answers on the channel: `Err` says why not, and the form stays.
pub fn ask(
    parent: &impl IsA<gtk::Window>,
    prompt: &str,
    submit: impl Fn(&str) -> Checked + 'static,
) -> PasswordDialog {
    let body = vbox();
    body.append(
        &gtk::Label::builder()
            .label(prompt)
            .wrap(true)
            .xalign(0.0)
            .max_width_chars(56)
            .build(),
    );
    let password = gtk::PasswordEntry::builder()
        .show_peek_icon(true)
        .activates_default(true)
        .name("password-entry")
        .build();
    body.append(&password);
    let error = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .name("password-error")
        .build();
    error.add_css_class("error");
    body.append(&error);
    let (row, cancel, ok) = button_row("Cancel", "Use this password");
    ok.set_widget_name("password-ok");
    body.append(&row);
    let window = dialog(parent, "Enter the password", &body);
    window.set_modal(true);
    window.set_default_widget(Some(&ok));
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let (w, p, e) = (window.clone(), password.clone(), error.clone());
    ok.connect_clicked(move |button| {
        let answer = submit(&p.text());
        button.set_sensitive(false);
        e.set_text("Checking…");
        let (w, e, button) = (w.clone(), e.clone(), button.clone());
        glib::spawn_future_local(async move {
            match answer.recv().await {
                Ok(Ok(())) => w.close(),
                Ok(Err(why)) => e.set_text(&why),
                Err(_) => e.set_text("The check stopped without an answer."),
            }
            button.set_sensitive(true);
        });
    });
    window.present();
    PasswordDialog {
        window,
        password,
        ok,
        error,
    }
}

/// The open reset confirmation, for tests.
#[derive(Debug)]
pub struct ResetDialog {
    /// The window.
    pub window: gtk::Window,
    /// What stops working.
    pub warning: gtk::Label,
    /// Resets.
    pub reset: gtk::Button,
    /// Closes without resetting.
    pub cancel: gtk::Button,
}

/// Asks before resetting the password of `username`; `confirmed` runs on Reset.
pub fn confirm_reset(
    parent: &impl IsA<gtk::Window>,
    username: &str,
    confirmed: impl Fn() + 'static,
) -> ResetDialog {
    let body = vbox();
    let warning = gtk::Label::builder()
        .label(reset_warning(username))
        .wrap(true)
        .xalign(0.0)
        .max_width_chars(60)
        .name("reset-warning")
        .build();
    body.append(&warning);
    let (row, cancel, reset) = button_row("Cancel", "Reset the password");
    reset.remove_css_class("suggested-action");
    reset.add_css_class("destructive-action");
    reset.set_widget_name("reset-confirm");
    cancel.set_widget_name("reset-cancel");
    body.append(&row);
    let window = dialog(parent, "Reset the password?", &body);
    window.set_modal(true);
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    reset.connect_clicked(move |_| {
        confirmed();
        w.close();
    });
    window.present();
    ResetDialog {
        window,
        warning,
        reset,
        cancel,
    }
}
