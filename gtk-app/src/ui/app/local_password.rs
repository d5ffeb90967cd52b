//! The embedded server's password, which the app only shows (View credentials): looked up in the
//! keyring off the main thread, entered by the user (checked off the main thread), or reset
//! after a confirmation. None of it decides whether this computer is shown.

use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;
use zeroize::Zeroizing;

use super::Controller;
use crate::embedded::{self, Credentials, MissingPassword};
use crate::ui::credentials::{self, Actions};

/// What the app knows of the embedded server's password.
#[derive(Clone, Debug)]
pub enum LocalPassword {
    /// Not asked yet (the server is starting) or the keyring is being asked.
    Unknown,
    /// Known: shown under View credentials.
    Known(Credentials),
    /// The keyring gave none; why.
    Missing(MissingPassword),
}

impl Controller {
    /// Records what is known of the password and refreshes an open credentials window.
    pub(super) fn set_local_password(self: &Rc<Self>, state: LocalPassword) {
        if let LocalPassword::Missing(missing) = &state {
            // The keyring's own words (a D-Bus error, ...) go to the log, never to a banner.
            tracing::warn!(
                "the keyring gave no password for this computer's account: {:?}",
                missing.state
            );
        }
        self.password.replace(state);
        self.refill_credentials();
    }

    /// Asks the keyring for the password of `username` on a worker thread.
    pub(super) fn look_up_password(self: &Rc<Self>, username: &str) {
        self.password.replace(LocalPassword::Unknown);
        self.refill_credentials();
        let (tx, rx) = async_channel::bounded(1);
        let (options, user) = (self.options.clone(), username.to_owned());
        let spawned = std::thread::Builder::new()
            .name("psmonitor-keyring-lookup".into())
            .spawn(move || {
                let _ = tx.send_blocking(embedded::lookup_password(&options, &user));
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot ask the keyring: {e}");
            return;
        }
        let weak = Rc::downgrade(self);
        glib::spawn_future_local(async move {
            let Ok(found) = rx.recv().await else { return };
            let Some(this) = weak.upgrade() else { return };
            this.set_local_password(match found {
                Ok(known) => LocalPassword::Known(known),
                Err(missing) => LocalPassword::Missing(missing),
            });
        });
    }

    /// Opens the credentials window: URL, user name and the password (hidden until revealed),
    /// or why the password is not known here with what can be done about it.
    pub fn open_credentials(self: &Rc<Self>) -> gtk::Window {
        let (window, body) = credentials::window(&self.main.window);
        self.credentials_body.replace(Some(body.downgrade()));
        self.refill_credentials();
        window.present();
        window
    }

    fn refill_credentials(self: &Rc<Self>) {
        let body = self
            .credentials_body
            .borrow()
            .as_ref()
            .and_then(|w| w.upgrade());
        let Some(body) = body else { return };
        let username = match &*self.password.borrow() {
            LocalPassword::Known(c) => c.username.clone(),
            LocalPassword::Missing(m) => m.username.clone(),
            LocalPassword::Unknown => String::new(),
        };
        let actions = Actions {
            enter: self.action(move |this| {
                let user = username.clone();
                this.open_password_form(&user);
            }),
            retry: self.action(|this| {
                if let Some(user) = this.local_username() {
                    this.look_up_password(&user);
                }
            }),
            reset: self.action(|this| {
                let Some(user) = this.local_username() else {
                    return;
                };
                let weak = Rc::downgrade(this);
                crate::ui::password::confirm_reset(&this.main.window, &user, move || {
                    if let Some(this) = weak.upgrade() {
                        this.reset_password();
                    }
                });
            }),
        };
        let url = self.server_url();
        credentials::fill(&body, url.as_deref(), &self.password.borrow(), actions);
    }

    fn local_username(&self) -> Option<String> {
        match &*self.password.borrow() {
            LocalPassword::Known(c) => Some(c.username.clone()),
            LocalPassword::Missing(m) => Some(m.username.clone()),
            LocalPassword::Unknown => None,
        }
    }

    fn action(self: &Rc<Self>, f: impl Fn(&Rc<Self>) + 'static) -> Rc<dyn Fn()> {
        let weak = Rc::downgrade(self);
        Rc::new(move || {
            if let Some(this) = weak.upgrade() {
                f(&this);
            }
        })
    }

    /// Opens the form for the embedded server's password; it is checked (argon2) on a worker
    /// thread, and a right one is shown under View credentials from then on.
    pub fn open_password_form(
        self: &Rc<Self>,
        username: &str,
    ) -> crate::ui::password::PasswordDialog {
        let weak = Rc::downgrade(self);
        let user = username.to_owned();
        let prompt = format!(
            "The password of \u{201c}{username}\u{201d} on this computer's server (other clients \
             log in with it too):"
        );
        crate::ui::password::ask(&self.main.window, &prompt, move |password| {
            let (tx, rx) = async_channel::bounded(1);
            let Some(this) = weak.upgrade() else {
                let _ = tx.try_send(Ok(()));
                return rx;
            };
            let dir = this.options.data_dir.clone();
            let candidate = Zeroizing::new(password.to_owned());
            let (check_tx, check_rx) = async_channel::bounded(1);
            let spawned = std::thread::Builder::new()
                .name("psmonitor-password-check".into())
                .spawn(move || {
                    let _ = check_tx.send_blocking(embedded::check_password(&dir, &candidate));
                });
            if let Err(e) = spawned {
                let _ = tx.try_send(Err(format!("Cannot check it: {e}")));
                return rx;
            }
            let (weak, user, password) = (
                weak.clone(),
                user.clone(),
                Zeroizing::new(password.to_owned()),
            );
            glib::spawn_future_local(async move {
                let outcome = match check_rx.recv().await {
                    Ok(Ok(true)) => {
                        if let Some(this) = weak.upgrade() {
                            this.set_local_password(LocalPassword::Known(Credentials {
                                username: user,
                                password,
                            }));
                        }
                        Ok(())
                    }
                    Ok(Ok(false)) => {
                        Err("That is not the password. Try again, or reset it.".into())
                    }
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("The check stopped without an answer.".into()),
                };
                let _ = tx.send(outcome).await;
            });
            rx
        })
    }

    /// Sets a new password (the user confirmed it) and restarts the embedded server on it.
    pub fn reset_password(self: &Rc<Self>) {
        let (tx, rx) = async_channel::bounded(1);
        let options = self.options.clone();
        let spawned = std::thread::Builder::new()
            .name("psmonitor-reset".into())
            .spawn(move || {
                let _ = tx.send_blocking(embedded::reset(&options));
            });
        if let Err(e) = spawned {
            tracing::error!("cannot reset: {e}");
            return;
        }
        self.main.set_status("Resetting the password…");
        let weak = Rc::downgrade(self);
        glib::spawn_future_local(async move {
            let Ok(result) = rx.recv().await else { return };
            let Some(this) = weak.upgrade() else { return };
            match result {
                Ok((credentials, note)) => {
                    let mut status = "Password reset (see View credentials)".to_owned();
                    if let Some(note) = note {
                        status.push_str(&format!(" · {note}"));
                    }
                    tracing::info!("{status}");
                    this.set_local_password(LocalPassword::Known(credentials));
                    // The running server holds the old account: restart it on the new one.
                    this.start_server();
                }
                Err(e) => {
                    tracing::error!("the password was not reset: {e}");
                    this.main
                        .set_status(&format!("The password was not reset: {e}"));
                }
            }
        });
    }
}
