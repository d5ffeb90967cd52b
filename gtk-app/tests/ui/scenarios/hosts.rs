//! The hosts list: two remote hosts added in one launch (a plain one with its password kept in
//! the keyring, a TLS one with a pinned certificate and no kept password) come back in the next
//! launch, in order, after this computer: the first live without asking, the second asking only
//! for its password. Switching hosts keeps the one window.

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::keyring_state::KeyringSource;
use psmonitor_gtk::settings_store::{SavedHost, Settings};
use psmonitor_gtk::ui::app::Controller;
use psmonitor_gtk::ui::host_pane::{HostPane, HostState};
use psmonitor_keyring::Keyring;

use crate::harness::{
    PASSWORD, World, find, pump, render, screenshots, text, tls_remote_server, wait_until,
};

fn launch(w: &World, dir: &Path, keyring: &KeyringSource, known: &Path) -> Rc<Controller> {
    let options = Options {
        data_dir: dir.to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: Some(known.to_owned()),
        keyring: keyring.clone(),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    Controller::start(&w.app, options, w.controller.level.clone(), lines)
}

fn live(pane: &HostPane, what: &str) -> Result<(), String> {
    wait_until(what, Duration::from_secs(20), || {
        pane.state() == HostState::Live && !text(&pane.root, "cpu-usage").is_empty()
    })
}

fn visible_with(name: &str) -> Option<gtk::Window> {
    gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|t| t.downcast::<gtk::Window>().ok())
        .find(|t| t.is_visible() && find(t, name).is_some())
}

fn close(c: &Rc<Controller>) {
    c.shutdown();
    c.window.window.close();
}

pub fn hosts_are_saved_and_restored_across_launches(w: &World) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = tempfile::tempdir().map_err(|e| e.to_string())?;
    let known = config.path().join("known-servers.toml");
    Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    }
    .save(dir.path())
    .map_err(|e| e.to_string())?;
    // The desktop's keyring outlives the app.
    let keyring = KeyringSource::Memory(Arc::new(Keyring::mock()));
    let (tls, _tls_dir) = tls_remote_server(crate::harness::REMOTE_HOST);
    let tls_url = format!("https://{}", tls.addr());
    let plain_url = w.remote_url.clone();

    let first = launch(w, dir.path(), &keyring, &known);
    let result = (|| {
        let form = first.open_connect();
        form.url.set_text(&plain_url);
        form.password.set_text(PASSWORD);
        form.remember.set_active(true);
        form.connect.emit_clicked();
        let plain = first.remotes.borrow().last().cloned().ok_or("no pane")?;
        live(&plain, "the plain host live")?;
        let form = first.open_connect();
        form.url.set_text(&tls_url);
        form.password.set_text(PASSWORD);
        form.remember.set_active(false);
        form.connect.emit_clicked();
        let secure = first.remotes.borrow().last().cloned().ok_or("no pane")?;
        wait_until("the trust dialog", Duration::from_secs(20), || {
            visible_with("trust-accept").is_some()
        })?;
        if secure.state() != HostState::Untrusted {
            return Err(format!("state while asking: {:?}", secure.state()));
        }
        let dialog = visible_with("trust-accept").ok_or("no trust dialog")?;
        find(&dialog, "trust-accept")
            .and_then(|b| b.downcast::<gtk::Button>().ok())
            .ok_or("no Trust button")?
            .emit_clicked();
        live(&secure, "the TLS host live")?;
        let labels = first.window.host_labels();
        if labels.len() != 3 || !labels[0].starts_with("This computer") {
            return Err(format!("hosts list {labels:?}"));
        }
        first.window.window.set_default_size(1111, 777);
        Ok(())
    })();
    close(&first);
    result?;
    let saved = Settings::load(dir.path()).hosts;
    let want = vec![
        SavedHost {
            url: plain_url.clone(),
            username: "PSMonitor".into(),
            remember: true,
        },
        SavedHost {
            url: tls_url.clone(),
            username: "PSMonitor".into(),
            remember: false,
        },
    ];
    if saved != want {
        return Err(format!("saved hosts {saved:?}"));
    }
    let size = Settings::load(dir.path()).window_size;
    if size != (1111, 777) {
        return Err(format!("saved window size {size:?}"));
    }

    let second = launch(w, dir.path(), &keyring, &known);
    let result = (|| {
        let size = (
            second.window.window.default_width(),
            second.window.window.default_height(),
        );
        if size != (1111, 777) {
            return Err(format!("the second launch opened at {size:?}"));
        }
        let panes = second.remotes.borrow().clone();
        let urls: Vec<_> = panes.iter().map(|p| p.url().unwrap_or_default()).collect();
        if urls != [plain_url.clone(), tls_url.clone()] {
            return Err(format!("restored {urls:?}"));
        }
        live(&panes[0], "the plain host live from the kept password")?;
        wait_until("the password banner", Duration::from_secs(10), || {
            panes[1].state() == HostState::NeedsPassword
        })?;
        let labels = second.window.host_labels();
        let states: Vec<bool> = vec![
            labels[0].starts_with("This computer"),
            labels[1].contains(&plain_url) && labels[1].ends_with("· live"),
            labels[2].contains(&tls_url) && labels[2].ends_with("· password needed"),
        ];
        if states.contains(&false) {
            return Err(format!("hosts list {labels:?}"));
        }
        second.window.select(&panes[1]);
        pump(Duration::from_millis(300));
        let _ = render(&second.window.window)
            .map(|t| t.save_to_png(screenshots().join("hosts-password-needed.png")));
        if !panes[1].banner.activate("Enter the password…") {
            return Err(format!("banner buttons {:?}", panes[1].banner.actions()));
        }
        let form = visible_with("password-entry").ok_or("no password form")?;
        find(&form, "password-entry")
            .and_then(|e| e.downcast::<gtk::PasswordEntry>().ok())
            .ok_or("no entry")?
            .set_text(PASSWORD);
        find(&form, "password-ok")
            .and_then(|b| b.downcast::<gtk::Button>().ok())
            .ok_or("no OK")?
            .emit_clicked();
        live(&panes[1], "the TLS host live with the pinned certificate")?;
        if visible_with("trust-accept").is_some() {
            return Err("the pinned certificate was asked about again".into());
        }
        // One window shows whichever host is picked.
        let title = second.window.window.title().unwrap_or_default().to_string();
        if title != format!("PSMonitor - {}", panes[1].host_name()) {
            return Err(format!("title {title:?}"));
        }
        let windows = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|t| t.downcast::<gtk::ApplicationWindow>().ok())
            .filter(|t| t.is_visible())
            .count();
        second.window.hosts.set_selected(0);
        if !second.main.root.is_child_visible() || panes[1].root.is_child_visible() {
            return Err("picking this computer did not show it".into());
        }
        pump(Duration::from_millis(300));
        let _ = render(&second.window.window)
            .map(|t| t.save_to_png(screenshots().join("hosts-list.png")));
        if windows != 2 {
            // The world's own window and this launch's.
            return Err(format!("{windows} application windows are open"));
        }
        Ok(())
    })();
    close(&second);
    let _ = tls.stop();
    result
}
