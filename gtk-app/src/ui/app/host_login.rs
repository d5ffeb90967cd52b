//! Connecting the listed remote hosts: the saved ones at launch (their passwords from the
//! keyring, or asked), logging in with a certificate to trust, and the one-click switch to https
//! when a plain-HTTP address turns out to speak TLS.

use std::rc::Rc;

use gtk::glib;
use zeroize::Zeroizing;

use super::Controller;
use crate::client::{ClientConfig, watch, watch_options};
use crate::keyring_state::KeyringState;
use crate::ui::host_pane::{HostPane, Severity};

impl Controller {
    /// The saved hosts, added at launch: those with a kept password connect, the others ask.
    pub(super) fn restore_hosts(self: &Rc<Self>) {
        for host in self.settings().hosts {
            let pane = self.new_pane(&host.url, &host.username);
            if !host.remember {
                self.ask_host_password(&pane, "it is not kept, so it is asked at each launch");
                continue;
            }
            let (tx, rx) = async_channel::bounded(1);
            let (keyring, url, user) = (self.options.keyring.clone(), host.url, host.username);
            let spawned = std::thread::Builder::new()
                .name("psmonitor-host-keyring".into())
                .spawn(move || {
                    let _ = tx.send_blocking(keyring.lookup_host(&url, &user));
                });
            if spawned.is_err() {
                self.ask_host_password(&pane, "the keyring could not be asked");
                continue;
            }
            let weak = Rc::downgrade(self);
            glib::spawn_future_local(async move {
                let Ok(found) = rx.recv().await else { return };
                let Some(this) = weak.upgrade() else { return };
                match found {
                    Ok(password) => this.log_in(&pane, password),
                    Err(state) => this.ask_host_password(&pane, &why(&state)),
                }
            });
        }
    }

    /// The keyring gave no password for `pane`'s host: a banner says why and offers the form.
    fn ask_host_password(self: &Rc<Self>, pane: &Rc<HostPane>, why: &str) {
        let (url, user) = (
            pane.url().unwrap_or_default(),
            pane.username.borrow().clone(),
        );
        pane.set_needs_password(true);
        pane.show_banner(
            Severity::Warning,
            &format!("Enter the password of {user} at {url}: {why}."),
        );
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        pane.banner.add_action(
            "Enter the password…",
            Rc::new(move || {
                let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) else {
                    return;
                };
                let weak = Rc::downgrade(&this);
                let which = Rc::downgrade(&pane);
                let prompt = format!(
                    "The password of \u{201c}{}\u{201d} at {}:",
                    pane.username.borrow(),
                    url
                );
                crate::ui::password::ask(&pane.window, &prompt, move |password| {
                    if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                        pane.set_needs_password(false);
                        this.log_in(&pane, Zeroizing::new(password.to_owned()));
                    }
                    crate::ui::password::checked(Ok(()))
                });
            }),
        );
    }

    /// Connects `pane` with `password`, asking to trust an unknown certificate.
    pub(super) fn log_in(self: &Rc<Self>, pane: &Rc<HostPane>, password: Zeroizing<String>) {
        pane.password.replace(password.clone());
        let config = ClientConfig {
            server: pane.url().unwrap_or_default(),
            username: pane.username.borrow().clone(),
            password,
            // Certificates accepted before (known-servers.toml), else the system store.
            trust: psmonitor_client::ClientTrust {
                known_servers: self.options.known_servers.clone(),
                ..Default::default()
            },
        };
        pane.hide_banner();
        pane.attach(watch(config.clone(), watch_options()));
        let weak_pane = Rc::downgrade(pane);
        let known_servers = self.options.known_servers.clone();
        pane.set_on_untrusted(move |fingerprint| {
            let Some(pane) = weak_pane.upgrade() else {
                return;
            };
            let weak = Rc::downgrade(&pane);
            let config = config.clone();
            let known_servers = known_servers.clone();
            let server = config.server.clone();
            crate::ui::trust::ask(&pane.window, &server, fingerprint, move || {
                let Some(pane) = weak.upgrade() else { return };
                let known = known_servers.as_deref();
                match crate::client::remember_certificate(known, &config.server, fingerprint) {
                    Ok(()) => pane.attach(watch(config.clone(), watch_options())),
                    Err(e) => pane.show_banner(
                        Severity::Error,
                        &format!("Cannot remember the certificate: {e}"),
                    ),
                }
            });
        });
    }

    /// A plain-HTTP host answered 400: if its address speaks https, stop retrying and offer to
    /// switch in one click.
    pub(super) fn offer_https(self: &Rc<Self>, pane: &Rc<HostPane>) {
        let Some(url) = pane.url() else { return };
        let authority = crate::probe::authority(&url).to_owned();
        let (tx, rx) = async_channel::bounded(1);
        let probe = authority.clone();
        let spawned = std::thread::Builder::new()
            .name("psmonitor-probe".into())
            .spawn(move || {
                let _ = tx.send_blocking(crate::probe::speaks_tls(&probe));
            });
        if spawned.is_err() {
            return;
        }
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        glib::spawn_future_local(async move {
            let Ok(true) = rx.recv().await else { return };
            let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) else {
                return;
            };
            // The pane may have been pointed elsewhere meanwhile.
            if pane.url().as_deref() != Some(url.as_str()) {
                return;
            }
            pane.detach();
            let https = format!("https://{authority}");
            pane.show_banner(
                Severity::Error,
                &format!("{url} is a server that speaks https, not http."),
            );
            let (weak, which) = (Rc::downgrade(&this), Rc::downgrade(&pane));
            pane.banner.add_action(
                &format!("Switch to {https}"),
                Rc::new(move || {
                    let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) else {
                        return;
                    };
                    let user = pane.username.borrow().clone();
                    let password = pane.password.borrow().clone();
                    let remember = this
                        .settings()
                        .hosts
                        .iter()
                        .find(|h| Some(&h.url) == pane.url().as_ref() && h.username == user)
                        .is_none_or(|h| h.remember);
                    this.point_host(&pane, &https, &user, password, remember);
                }),
            );
        });
    }
}

/// Why the keyring gave no password for a host, in the user's words (its own message is logged).
fn why(state: &KeyringState) -> String {
    if let Some(detail) = state.detail() {
        tracing::warn!("keyring: {detail}");
    }
    match state {
        KeyringState::NoEntry => "the keyring has no password for it".into(),
        KeyringState::Unavailable(_) => "no keyring could be asked (details are in the log)".into(),
        KeyringState::TimedOut(after) => format!(
            "the keyring did not answer within {} s (locked?)",
            after.as_secs_f32()
        ),
        KeyringState::Locked(_) => "the keyring is locked".into(),
        KeyringState::Failed(_) => "the keyring failed (details are in the log)".into(),
    }
}
