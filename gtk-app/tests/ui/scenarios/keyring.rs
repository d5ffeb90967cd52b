//! The keyring gives no password for an existing account: each state ("unavailable", "no
//! entry", "timed out") shows its banner with the fitting buttons, and the account's password
//! hash in the database stays as it was until the user confirms a reset.

use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use psmonitor_core::auth::Argon2Params;
use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::keyring_state::{KeyringSource, Lookup};
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::Controller;
use psmonitor_keyring::KeyringError;

use crate::harness::{PASSWORD, World, find, pump, text, wait_until};

const ENTER: &str = "Enter the password…";
const RETRY: &str = "Ask the keyring again";
const RESET: &str = "Reset the password…";

fn hash(dir: &Path) -> Result<String, String> {
    let store = psmonitor_store::Store::open(dir).map_err(|e| e.to_string())?;
    Ok(store
        .account()
        .map_err(|e| e.to_string())?
        .ok_or("no account")?
        .password_hash)
}

/// The app on an existing account (password [`PASSWORD`]) whose keyring answers with `lookup`.
fn start(w: &World, lookup: Arc<Lookup>) -> (Rc<Controller>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    psmonitor_server::testing::create_test_account(dir.path(), PASSWORD, Argon2Params::testing());
    let settings = Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    };
    settings.save(dir.path()).unwrap();
    let options = Options {
        data_dir: dir.path().to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: None,
        known_servers: None,
        keyring: KeyringSource::Scripted {
            lookup,
            deadline: Duration::from_millis(300),
        },
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    let c = Controller::start(&w.app, options, w.controller.level.clone(), lines);
    (c, dir)
}

fn close(c: &Rc<Controller>) {
    c.shutdown();
    c.main.window.close();
}

/// Waits for the banner naming `needle` with `buttons`; checks nothing logged in and the hash.
fn expect_banner(
    c: &Controller,
    dir: &Path,
    before: &str,
    needle: &str,
    buttons: &[&str],
) -> Result<(), String> {
    let mut last = None;
    wait_until("the keyring banner", Duration::from_secs(20), || {
        last = c.main.banner_text();
        last.as_deref().is_some_and(|t| t.contains(needle))
    })
    .map_err(|e| format!("{e}; banner {last:?}"))?;
    let text_shown = last.unwrap_or_default();
    if !text_shown.contains("Nothing was reset") {
        return Err(format!(
            "banner does not say nothing was reset: {text_shown:?}"
        ));
    }
    let actions = c.main.banner.actions();
    if actions != buttons {
        return Err(format!("banner buttons {actions:?}, expected {buttons:?}"));
    }
    pump(Duration::from_millis(300));
    if hash(dir)? != before {
        return Err("the password hash changed without a confirmation".into());
    }
    let state = c.main.state();
    if state != psmonitor_gtk::ui::host_pane::HostState::NeedsPassword {
        return Err(format!("this computer's state is {state:?}"));
    }
    if c.credentials().is_some() || c.main.model.borrow().cpu.is_some() {
        return Err("the window logged in without a password".into());
    }
    Ok(())
}

fn window_with(name: &str) -> Option<gtk::Window> {
    gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|w| w.downcast::<gtk::Window>().ok())
        .find(|w| w.is_visible() && find(w, name).is_some())
}

fn click(window: &gtk::Window, name: &str) -> Result<(), String> {
    find(window, name)
        .and_then(|b| b.downcast::<gtk::Button>().ok())
        .ok_or(format!("no button {name}"))?
        .emit_clicked();
    Ok(())
}

fn live(c: &Controller) -> Result<(), String> {
    wait_until("data after the login", Duration::from_secs(20), || {
        !text(&c.main.window, "cpu-usage").is_empty() && c.main.banner_text().is_none()
    })
}

pub fn keyring_without_an_entry_asks_for_the_password(w: &World) -> Result<(), String> {
    let (c, dir) = start(w, Arc::new(|| Ok(None)));
    let result = (|| {
        let before = hash(dir.path())?;
        expect_banner(
            &c,
            dir.path(),
            &before,
            "no PSMonitor password",
            &[ENTER, RESET],
        )?;
        pump(Duration::from_millis(300));
        if let Ok(t) = crate::harness::render(&c.main.window) {
            let _ =
                t.save_to_png(crate::harness::screenshots().join("banner-keyring-no-entry.png"));
        }
        if !c.main.banner.activate(ENTER) {
            return Err("no Enter button".into());
        }
        let form = window_with("password-entry").ok_or("no password form")?;
        let entry = find(&form, "password-entry")
            .and_then(|e| e.downcast::<gtk::PasswordEntry>().ok())
            .ok_or("no entry")?;
        entry.set_text("not it");
        click(&form, "password-ok")?;
        let error = text(&form, "password-error");
        if !error.contains("not the password") {
            return Err(format!("wrong password says {error:?}"));
        }
        entry.set_text(PASSWORD);
        click(&form, "password-ok")?;
        live(&c)?;
        if hash(dir.path())? != before {
            return Err("entering the password changed the hash".into());
        }
        Ok(())
    })();
    close(&c);
    result
}

pub fn unavailable_keyring_resets_only_after_confirmation(w: &World) -> Result<(), String> {
    let lookup: Arc<Lookup> =
        Arc::new(|| Err(KeyringError::Unavailable("no D-Bus session bus".into())));
    let (c, dir) = start(w, lookup);
    let result = (|| {
        let before = hash(dir.path())?;
        expect_banner(
            &c,
            dir.path(),
            &before,
            "No keyring could be asked",
            &[ENTER, RETRY, RESET],
        )?;
        c.main.banner.activate(RESET);
        let confirm = window_with("reset-warning").ok_or("no confirmation")?;
        let warning = text(&confirm, "reset-warning");
        for client in [
            "psmonitor CLI",
            "web dashboard",
            "PSMonitor desktops",
            "psmonitor serve",
        ] {
            if !warning.contains(client) {
                return Err(format!(
                    "the confirmation does not name {client}: {warning:?}"
                ));
            }
        }
        let _ = crate::harness::render(&confirm)
            .map(|t| t.save_to_png(crate::harness::screenshots().join("reset-confirmation.png")));
        click(&confirm, "reset-cancel").or_else(|_| {
            confirm.close();
            Ok::<(), String>(())
        })?;
        pump(Duration::from_millis(200));
        if hash(dir.path())? != before {
            return Err("Cancel reset the password".into());
        }
        c.main.banner.activate(RESET);
        let confirm = window_with("reset-warning").ok_or("no confirmation the second time")?;
        click(&confirm, "reset-confirm")?;
        live(&c)?;
        if hash(dir.path())? == before {
            return Err("the confirmed reset did not change the hash".into());
        }
        Ok(())
    })();
    close(&c);
    result
}

pub fn timed_out_keyring_says_it_may_be_locked(w: &World) -> Result<(), String> {
    // A keyring that never answers (a locked one waiting for its prompt).
    let (hold, wait) = mpsc::sync_channel::<()>(0);
    let wait = Mutex::new(wait);
    let lookup: Arc<Lookup> = Arc::new(move || {
        let _ = wait.lock().map(|w| w.recv());
        Ok(None)
    });
    let (c, dir) = start(w, lookup);
    let result = (|| {
        let before = hash(dir.path())?;
        expect_banner(
            &c,
            dir.path(),
            &before,
            "did not answer within 0.3 s",
            &[ENTER, RETRY, RESET],
        )?;
        let shown = c.main.banner_text().unwrap_or_default();
        if !shown.contains("locked") {
            return Err(format!(
                "the banner does not mention a locked keyring: {shown:?}"
            ));
        }
        Ok(())
    })();
    close(&c);
    drop(hold);
    result
}
