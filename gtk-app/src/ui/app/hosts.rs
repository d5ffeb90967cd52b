//! The controller's hosts: adding a remote host (saved in the settings, its password in the
//! keyring when asked and possible), editing one, restoring the saved ones at launch, removing
//! one after a confirmation. A host is its URL and user name: the same pair is never listed
//! twice, so a host's keyring entry is its own.

use std::rc::Rc;

use gtk::glib;
use zeroize::Zeroizing;

use super::Controller;
use crate::client::{ClientConfig, watch, watch_options};
use crate::keyring_state::KeyringState;
use crate::settings_store::SavedHost;
use crate::ui::dialogs::{ConnectDialog, HostFields};
use crate::ui::host_pane::{HostPane, Severity};

/// A typed address without a trailing slash; `host:port` keeps having no scheme (it is probed).
fn tidy(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

impl Controller {
    /// Adds the remote host `url` (a `host:port` without a scheme is probed: https first, then
    /// http) to the hosts list, shows it and connects; with `remember` its password goes to the
    /// keyring (else it is asked at the next launch). Saved in the settings. A host already in
    /// the list (same URL and user) is not added again: it is shown and connects with this
    /// password.
    pub fn connect_remote(
        self: &Rc<Self>,
        url: &str,
        username: &str,
        password: Zeroizing<String>,
        remember: bool,
    ) -> Rc<HostPane> {
        let url = tidy(url);
        if let Some(pane) = self.find_host(&url, username) {
            self.window.select(&pane);
            self.update_host(&pane, &url, username, password, remember);
            return pane;
        }
        let pane = self.new_pane(&url, username);
        self.window.select(&pane);
        self.update_host(&pane, &url, username, password, remember);
        pane
    }

    /// The listed host at `url` (with any scheme when `url` has none) as `username`.
    fn find_host(&self, url: &str, username: &str) -> Option<Rc<HostPane>> {
        let same = |candidate: &str| {
            if crate::probe::has_scheme(url) {
                candidate == url
            } else {
                crate::probe::authority(candidate) == url
            }
        };
        self.remotes
            .borrow()
            .iter()
            .find(|p| p.url().is_some_and(|u| same(&u)) && *p.username.borrow() == username)
            .cloned()
    }

    /// Points `pane` at `url` as `username` with `password` (probing the scheme when `url` has
    /// none), saves it in place and connects.
    fn update_host(
        self: &Rc<Self>,
        pane: &Rc<HostPane>,
        url: &str,
        username: &str,
        password: Zeroizing<String>,
        remember: bool,
    ) {
        if crate::probe::has_scheme(url) {
            self.point_host(pane, url, username, password, remember);
            return;
        }
        pane.detach();
        pane.set_status(&format!("Finding out whether {url} speaks https…"));
        let (tx, rx) = async_channel::bounded(1);
        let typed = url.to_owned();
        let spawned = std::thread::Builder::new()
            .name("psmonitor-probe".into())
            .spawn(move || {
                let _ = tx.send_blocking(crate::probe::resolve(&typed));
            });
        if spawned.is_err() {
            self.point_host(pane, &format!("http://{url}"), username, password, remember);
            return;
        }
        let (weak, which, user) = (
            Rc::downgrade(self),
            Rc::downgrade(pane),
            username.to_owned(),
        );
        glib::spawn_future_local(async move {
            let Ok(resolved) = rx.recv().await else {
                return;
            };
            let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) else {
                return;
            };
            tracing::info!("{resolved} is the address probed");
            this.point_host(&pane, &resolved, &user, password, remember);
        });
    }

    /// Points `pane` at the full `url`: the settings entry it had is replaced in place, a
    /// keyring entry of its old URL or user is removed (its own only), then it connects.
    fn point_host(
        self: &Rc<Self>,
        pane: &Rc<HostPane>,
        url: &str,
        username: &str,
        password: Zeroizing<String>,
        remember: bool,
    ) {
        // The full URL may show it is a host already listed (probed, or switched to https):
        // that one is kept and this one goes.
        if let Some(other) = self.find_host(url, username)
            && !Rc::ptr_eq(&other, pane)
        {
            self.remove_host(pane);
            self.window.select(&other);
            self.point_host(&other, url, username, password, remember);
            return;
        }
        let old = pane.url().map(|u| (u, pane.username.borrow().clone()));
        let host = SavedHost {
            url: url.to_owned(),
            username: username.to_owned(),
            remember,
        };
        {
            let mut s = self.settings.borrow_mut();
            let at = old
                .as_ref()
                .and_then(|(u, n)| s.hosts.iter().position(|h| h.url == *u && h.username == *n));
            let same = s
                .hosts
                .iter()
                .position(|h| h.url == host.url && h.username == host.username);
            match (at, same) {
                (Some(at), Some(same)) if at != same => {
                    s.hosts[same] = host.clone();
                    s.hosts.remove(at);
                }
                (Some(at), _) | (None, Some(at)) => s.hosts[at] = host.clone(),
                (None, None) => s.hosts.push(host.clone()),
            }
            if let Err(e) = s.save(&self.options.data_dir) {
                tracing::warn!("cannot save the hosts: {e}");
            }
        }
        if let Some((old_url, old_user)) = &old
            && (*old_url != url || *old_user != username)
            && old_url.contains("://")
        {
            self.forget_password(old_url, old_user);
        }
        // Not kept any more: its own entry goes.
        if !remember && let Err(e) = self.options.keyring.forget_host(url, username) {
            tracing::warn!("cannot remove the keyring entry of {username} at {url}: {e}");
        }
        pane.set_url(url);
        pane.username.replace(username.to_owned());
        pane.set_status(&format!("Remote host {url} as {username}"));
        if remember && let Err(e) = self.options.keyring.store_host(url, username, &password) {
            tracing::warn!("the keyring did not keep the password of {username} at {url}: {e}");
            pane.set_status(&format!(
                "Remote host {url} as {username} · the keyring did not keep the password (see \
                 the log): it is asked again at the next launch"
            ));
        }
        self.log_in(pane, password);
    }

    /// Removes the keyring entry of `user` at `url`, unless a listed host still uses it.
    fn forget_password(&self, url: &str, user: &str) {
        let used = self
            .settings
            .borrow()
            .hosts
            .iter()
            .any(|h| h.url == url && h.username == user);
        if !used && let Err(e) = self.options.keyring.forget_host(url, user) {
            tracing::warn!("cannot remove the keyring entry of {user} at {url}: {e}");
        }
    }

    /// Opens the host form filled with `pane`'s URL, user, last password and keyring choice
    /// ("Edit host…", "Connect again…"); saving changes that host, never adds one.
    pub fn open_edit_host(self: &Rc<Self>, pane: &Rc<HostPane>) -> ConnectDialog {
        let url = pane.url().unwrap_or_default();
        let username = pane.username.borrow().clone();
        let remember = self
            .settings()
            .hosts
            .iter()
            .find(|h| h.url == url && h.username == username)
            .is_none_or(|h| h.remember);
        let fields = HostFields {
            title: "Edit host".into(),
            button: "Save and connect".into(),
            url,
            username,
            password: pane.password.borrow().clone(),
            remember,
        };
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        crate::ui::dialogs::host_form(
            &self.main.window,
            &fields,
            Rc::new(move |url, user, password, remember| {
                let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) else {
                    return Ok(());
                };
                let url = tidy(url);
                if let Some(other) = this.find_host(&url, user)
                    && !Rc::ptr_eq(&other, &pane)
                {
                    return Err(format!(
                        "{url} as {user} is already in the hosts list: pick it there, or \
                         remove it first."
                    ));
                }
                this.update_host(&pane, &url, user, password, remember);
                Ok(())
            }),
        )
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

    /// Asks, then removes `pane`'s host from the list, the settings and its own keyring entry.
    pub fn ask_remove_host(self: &Rc<Self>, pane: &Rc<HostPane>) -> gtk::Window {
        let (url, user) = (
            pane.url().unwrap_or_default(),
            pane.username.borrow().clone(),
        );
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        crate::ui::dialogs::confirm(
            &self.main.window,
            "Remove this host?",
            &format!(
                "Remove {url} (as {user}) from the hosts list? Its saved password is removed \
                 from the keyring; other hosts and their passwords stay."
            ),
            "Remove",
            move || {
                if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                    this.remove_host(&pane);
                }
            },
        )
    }

    /// Removes `pane`'s host from the list, the settings and its own keyring entry.
    pub fn remove_host(&self, pane: &Rc<HostPane>) {
        self.drop_pane(pane);
        let Some(url) = pane.url() else { return };
        let user = pane.username.borrow().clone();
        {
            let mut s = self.settings.borrow_mut();
            s.hosts.retain(|h| !(h.url == url && h.username == user));
            if let Err(e) = s.save(&self.options.data_dir) {
                tracing::warn!("cannot save the hosts: {e}");
            }
        }
        self.forget_password(&url, &user);
    }

    /// Takes `pane` off the list and stops it (the settings are not touched).
    fn drop_pane(&self, pane: &Rc<HostPane>) {
        pane.detach();
        self.window.remove(pane);
        self.remotes.borrow_mut().retain(|p| !Rc::ptr_eq(p, pane));
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
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(&pane));
        pane.set_failure_action(
            "Connect again…",
            Rc::new(move || {
                if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                    this.open_edit_host(&pane);
                }
            }),
        );
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(&pane));
        pane.set_on_bad_request(move || {
            if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                this.offer_https(&pane);
            }
        });
        self.watch_up_down(&pane);
        self.window.add(&pane);
        self.remotes.borrow_mut().push(pane.clone());
        pane
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
    fn log_in(self: &Rc<Self>, pane: &Rc<HostPane>, password: Zeroizing<String>) {
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
}

impl Controller {
    /// A plain-HTTP host answered 400: if its address speaks https, stop retrying and offer to
    /// switch in one click.
    fn offer_https(self: &Rc<Self>, pane: &Rc<HostPane>) {
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
