//! Hosts that cannot get lost: "Connect again…" after a wrong password opens the host's own
//! form filled in and fixes that host in place; the same URL and user are never listed twice;
//! editing the user or URL moves the keyring entry; removing asks and removes only that host's
//! entry. An address typed without a scheme is probed (https first), a plain-HTTP host that
//! speaks https is switched in one click, and Cancel on the trust dialog leaves "Trust…".

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::keyring_state::{KeyringSource, KeyringState};
use psmonitor_gtk::settings_store::{SavedHost, Settings};
use psmonitor_gtk::ui::app::Controller;
use psmonitor_gtk::ui::host_pane::{HostPane, HostState};
use psmonitor_keyring::Keyring;

use crate::harness::{PASSWORD, World, find, text, tls_remote_server, wait_until};

struct Launch {
    c: Rc<Controller>,
    keyring: KeyringSource,
    dir: tempfile::TempDir,
    _config: tempfile::TempDir,
}

fn launch(w: &World) -> Launch {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    }
    .save(dir.path())
    .unwrap();
    let keyring = KeyringSource::Memory(Arc::new(Keyring::mock()));
    let options = Options {
        data_dir: dir.path().to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: Some(config.path().join("known-servers.toml")),
        keyring: keyring.clone(),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    let c = Controller::start(&w.app, options, w.controller.level.clone(), lines);
    Launch {
        c,
        keyring,
        dir,
        _config: config,
    }
}

impl Launch {
    fn close(&self) {
        self.c.shutdown();
        self.c.window.window.close();
    }

    fn saved(&self) -> Vec<(String, String)> {
        Settings::load(self.dir.path())
            .hosts
            .into_iter()
            .map(|SavedHost { url, username, .. }| (url, username))
            .collect()
    }

    fn kept(&self, url: &str, user: &str) -> Option<String> {
        match self.keyring.lookup_host(url, user) {
            Ok(p) => Some(p.to_string()),
            Err(KeyringState::NoEntry) => None,
            Err(e) => Some(format!("{e:?}")),
        }
    }

    fn add(&self, url: &str, user: &str, password: &str) {
        let form = self.c.open_connect();
        form.url.set_text(url);
        form.user.set_text(user);
        form.password.set_text(password);
        form.remember.set_active(true);
        form.connect.emit_clicked();
    }

    fn panes(&self) -> Vec<Rc<HostPane>> {
        self.c.remotes.borrow().clone()
    }
}

fn visible_with(name: &str) -> Option<gtk::Window> {
    gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|t| t.downcast::<gtk::Window>().ok())
        .find(|t| t.is_visible() && find(t, name).is_some())
}

fn press(window: &gtk::Window, name: &str) -> Result<(), String> {
    find(window, name)
        .and_then(|b| b.downcast::<gtk::Button>().ok())
        .ok_or(format!("no button {name}"))?
        .emit_clicked();
    Ok(())
}

fn entry_text(window: &gtk::Window, name: &str) -> String {
    find(window, name)
        .and_then(|e| e.downcast::<gtk::Editable>().ok())
        .map(|e| e.text().to_string())
        .unwrap_or_default()
}

fn live(pane: &HostPane, what: &str) -> Result<(), String> {
    wait_until(what, Duration::from_secs(20), || {
        pane.state() == HostState::Live && !text(&pane.root, "cpu-usage").is_empty()
    })
    .map_err(|e| format!("{e}; banner {:?}", pane.banner_text()))
}

fn banner_offers(pane: &HostPane, label: &str) -> Result<(), String> {
    wait_until(
        &format!("a banner offering {label:?}"),
        Duration::from_secs(20),
        || pane.banner.actions().iter().any(|a| a == label) && pane.banner_text().is_some(),
    )
    .map_err(|e| {
        format!(
            "{e}; banner {:?} {:?}",
            pane.banner_text(),
            pane.banner.actions()
        )
    })
}

pub fn connect_again_fixes_the_host_in_place(w: &World) -> Result<(), String> {
    let l = launch(w);
    let url = w.remote_url.clone();
    let result = (|| {
        l.add(&url, "PSMonitor", "wrong password");
        let pane = l.panes().first().cloned().ok_or("no pane")?;
        banner_offers(&pane, "Connect again…")?;
        pane.banner.activate("Connect again…");
        let form = visible_with("host-submit").ok_or("no host form")?;
        let filled = (
            entry_text(&form, "host-url"),
            entry_text(&form, "host-user"),
            entry_text(&form, "host-password"),
        );
        if filled != (url.clone(), "PSMonitor".into(), "wrong password".into()) {
            return Err(format!("Connect again opened {filled:?}"));
        }
        find(&form, "host-password")
            .and_then(|e| e.downcast::<gtk::Editable>().ok())
            .ok_or("no password entry")?
            .set_text(PASSWORD);
        press(&form, "host-submit")?;
        live(&pane, "the host live with the corrected password")?;
        if l.panes().len() != 1 || l.saved().len() != 1 {
            return Err(format!("{} panes, saved {:?}", l.panes().len(), l.saved()));
        }
        if l.kept(&url, "PSMonitor").as_deref() != Some(PASSWORD) {
            return Err("the keyring does not hold the corrected password".into());
        }
        // The same URL and user again: still one host (a trailing slash is the same URL).
        l.add(&format!("{url}/"), "PSMonitor", PASSWORD);
        if l.panes().len() != 1 || l.saved() != [(url.clone(), "PSMonitor".into())] {
            return Err(format!("added twice: saved {:?}", l.saved()));
        }
        // Another user on that server is another host.
        l.add(&url, "someone", "their password");
        if l.panes().len() != 2 {
            return Err(format!("{} panes after a second user", l.panes().len()));
        }
        // Editing one host into the other is refused, nothing changes.
        let other = l.panes()[1].clone();
        let form = l.c.open_edit_host(&other);
        form.user.set_text("PSMonitor");
        form.connect.emit_clicked();
        if !form.error.text().contains("already in the hosts list") || !form.window.is_visible() {
            return Err(format!("a duplicate edit says {:?}", form.error.text()));
        }
        form.window.close();
        // Renaming the user moves the keyring entry.
        let form = l.c.open_edit_host(&other);
        form.user.set_text("renamed");
        form.connect.emit_clicked();
        if l.kept(&url, "someone").is_some()
            || l.kept(&url, "renamed").as_deref() != Some("their password")
        {
            return Err("editing the user did not move the keyring entry".into());
        }
        let want = [
            (url.clone(), "PSMonitor".to_owned()),
            (url.clone(), "renamed".to_owned()),
        ];
        if l.saved() != want {
            return Err(format!("saved after the edit {:?}", l.saved()));
        }
        // Unticking "keep in the keyring" removes that host's entry, and only it.
        let form = l.c.open_edit_host(&other);
        form.remember.set_active(false);
        form.connect.emit_clicked();
        if l.kept(&url, "renamed").is_some() || l.kept(&url, "PSMonitor").is_none() {
            return Err("not keeping the password did not remove just its entry".into());
        }
        let form = l.c.open_edit_host(&other);
        if form.remember.is_active() {
            return Err("the form forgot that the password is not kept".into());
        }
        form.remember.set_active(true);
        form.connect.emit_clicked();
        // Removing asks; Cancel keeps it; Remove drops that host and only its entry.
        let ask = l.c.ask_remove_host(&other);
        press(&ask, "confirm-cancel")?;
        if l.panes().len() != 2 {
            return Err("Cancel removed the host".into());
        }
        let ask = l.c.ask_remove_host(&other);
        if !text(&ask, "confirm-text").contains("renamed") {
            return Err(format!("the question is {:?}", text(&ask, "confirm-text")));
        }
        press(&ask, "confirm-ok")?;
        if l.panes().len() != 1 || l.saved() != [(url.clone(), "PSMonitor".into())] {
            return Err(format!("after removing: saved {:?}", l.saved()));
        }
        let removed = format!("Removed {url} (as renamed)");
        wait_until("the toast", Duration::from_secs(15), || {
            psmonitor_gtk::ui::main_window::toasts_shown(&l.c.window.window)
                .iter()
                .any(|t| t == &removed)
        })?;
        if l.kept(&url, "renamed").is_some() {
            return Err("the removed host's keyring entry stays".into());
        }
        if l.kept(&url, "PSMonitor").as_deref() != Some(PASSWORD) {
            return Err("removing one host removed another's password".into());
        }
        live(&pane, "the remaining host still live")
    })();
    l.close();
    result
}

pub fn https_is_probed_switched_to_and_trusted_after_cancel(w: &World) -> Result<(), String> {
    let (tls, _tls_dir) = tls_remote_server(crate::harness::REMOTE_HOST);
    let addr = tls.addr().to_string();
    let https = format!("https://{addr}");
    let l = launch(w);
    let result = (|| {
        // Written with http://, the TLS server answers "use https": one click switches.
        l.add(&format!("http://{addr}"), "PSMonitor", PASSWORD);
        let pane = l.panes().first().cloned().ok_or("no pane")?;
        let switch = format!("Switch to {https}");
        banner_offers(&pane, &switch)?;
        pane.banner.activate(&switch);
        wait_until("the trust dialog", Duration::from_secs(20), || {
            visible_with("trust-accept").is_some()
        })?;
        if pane.url().as_deref() != Some(https.as_str()) {
            return Err(format!("switched to {:?}", pane.url()));
        }
        press(
            &visible_with("trust-cancel").ok_or("no dialog")?,
            "trust-cancel",
        )?;
        banner_offers(&pane, "Trust…")?;
        pane.banner.activate("Trust…");
        let dialog = visible_with("trust-accept").ok_or("Trust… opened no dialog")?;
        press(&dialog, "trust-accept")?;
        live(&pane, "the TLS host live after trusting")?;
        if l.saved() != [(https.clone(), "PSMonitor".into())] {
            return Err(format!("saved {:?}", l.saved()));
        }
        if l.kept(&format!("http://{addr}"), "PSMonitor").is_some()
            || l.kept(&https, "PSMonitor").as_deref() != Some(PASSWORD)
        {
            return Err("the keyring entry did not follow the switch".into());
        }
        // Typed without a scheme, the address is probed (https) and is the host already there.
        l.add(&addr, "PSMonitor", PASSWORD);
        wait_until("the probe", Duration::from_secs(20), || {
            l.panes().len() == 1
        })?;
        if l.saved() != [(https.clone(), "PSMonitor".into())] {
            return Err(format!("saved after the probe {:?}", l.saved()));
        }
        live(&pane, "the TLS host live after adding it again")
    })();
    l.close();
    let _ = tls.stop();
    result
}
