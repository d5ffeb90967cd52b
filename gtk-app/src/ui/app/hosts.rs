//! The controller's hosts list: adding a remote host (saved in the settings, its password in the
//! keyring when asked and possible), editing one, removing one after a confirmation. A host is
//! its URL and user name: the same pair is never listed twice, so a host's keyring entry is its
//! own. Connecting them is in `host_login.rs`.

use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;
use zeroize::Zeroizing;

use super::Controller;
use crate::settings_store::SavedHost;
use crate::ui::dialogs::{ConnectDialog, HostFields};
use crate::ui::host_pane::HostPane;

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
    pub(super) fn point_host(
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

    /// A pane for the remote host `url` as `username`, listed, not yet connected.
    pub(super) fn new_pane(self: &Rc<Self>, url: &str, username: &str) -> Rc<HostPane> {
        let sort = self.settings().process_sort;
        let pane = HostPane::new(
            self.window.window.upcast_ref(),
            &self.window.toasts,
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
                    this.window.toast(&format!("Removed {url} (as {user})"));
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
}
