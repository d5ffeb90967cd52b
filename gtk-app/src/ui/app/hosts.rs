//! The controller's hosts: adding a remote host (saved in the settings, its password in the
//! keyring when asked and possible), restoring the saved ones at launch, removing one.

use std::rc::Rc;

use gtk::glib;
use zeroize::Zeroizing;

use super::{Controller, normalise_url};
use crate::client::{ClientConfig, watch, watch_options};
use crate::keyring_state::KeyringState;
use crate::settings_store::SavedHost;
use crate::ui::host_pane::{HostPane, Severity};

impl Controller {
    /// Adds the remote host `url` to the hosts list, shows it and connects; with `remember` its
    /// password goes to the keyring (else it is asked at the next launch). Saved in the settings.
    pub fn connect_remote(
        self: &Rc<Self>,
        url: &str,
        username: &str,
        password: Zeroizing<String>,
        remember: bool,
    ) -> Rc<HostPane> {
        let url = normalise_url(url);
        let pane = self.new_pane(&url, username);
        self.save_host(SavedHost {
            url: url.clone(),
            username: username.to_owned(),
            remember,
        });
        if remember && let Err(e) = self.options.keyring.store_host(&url, username, &password) {
            pane.set_status(&format!(
                "Remote host {url} as {username} · the keyring did not keep the password ({e}): \
                 it is asked again at the next launch"
            ));
        }
        self.log_in(&pane, password);
        self.window.select(&pane);
        pane
    }

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

    /// Removes `pane`'s host from the list, the settings and the keyring.
    pub fn remove_host(&self, pane: &Rc<HostPane>) {
        pane.detach();
        self.window.remove(pane);
        self.remotes.borrow_mut().retain(|p| !Rc::ptr_eq(p, pane));
        let Some(url) = &pane.url else { return };
        let user = pane.username.borrow().clone();
        let mut s = self.settings.borrow_mut();
        s.hosts.retain(|h| !(h.url == *url && h.username == user));
        if let Err(e) = s.save(&self.options.data_dir) {
            tracing::warn!("cannot save the hosts: {e}");
        }
        let _ = self.options.keyring.forget_host(url, &user);
    }

    fn save_host(&self, host: SavedHost) {
        let mut s = self.settings.borrow_mut();
        match s
            .hosts
            .iter_mut()
            .find(|h| h.url == host.url && h.username == host.username)
        {
            Some(h) => *h = host,
            None => s.hosts.push(host),
        }
        if let Err(e) = s.save(&self.options.data_dir) {
            tracing::warn!("cannot save the hosts: {e}");
        }
    }

    fn new_pane(self: &Rc<Self>, url: &str, username: &str) -> Rc<HostPane> {
        let sort = self.settings().process_sort;
        let pane = HostPane::new(
            &self.window.window,
            url,
            Some(url.to_owned()),
            None,
            sort,
            super::save_sort(&self.settings, &self.options.data_dir),
        );
        pane.username.replace(username.to_owned());
        self.apply_preferences_to(&pane);
        pane.set_status(&format!("Remote host {url} as {username}"));
        pane.set_failure_action("Connect again…", "app.connect");
        self.window.add(&pane);
        self.remotes.borrow_mut().push(pane.clone());
        pane
    }

    /// The keyring gave no password for `pane`'s host: a banner says why and offers the form.
    fn ask_host_password(self: &Rc<Self>, pane: &Rc<HostPane>, why: &str) {
        let (url, user) = (
            pane.url.clone().unwrap_or_default(),
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
                    Ok(())
                });
            }),
        );
    }

    /// Connects `pane` with `password`, asking to trust an unknown certificate.
    fn log_in(self: &Rc<Self>, pane: &Rc<HostPane>, password: Zeroizing<String>) {
        let config = ClientConfig {
            server: pane.url.clone().unwrap_or_default(),
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
}

fn why(state: &KeyringState) -> String {
    match state {
        KeyringState::NoEntry => "the keyring has no password for it".into(),
        KeyringState::Unavailable(e) => format!("no keyring could be asked ({e})"),
        KeyringState::TimedOut(after) => format!(
            "the keyring did not answer within {} s (locked?)",
            after.as_secs_f32()
        ),
        KeyringState::Locked(e) => format!("the keyring is locked ({e})"),
        KeyringState::Failed(e) => format!("the keyring failed ({e})"),
    }
}
