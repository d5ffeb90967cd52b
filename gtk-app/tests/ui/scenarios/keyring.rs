//! The keyring gives no password for an existing account: this computer is shown live all the
//! same (the app signs its own tokens), no banner appears, and View credentials says why the
//! password is not known, in the user's words, with the fitting buttons. The account's password
//! hash in the database stays as it was until the user confirms a reset.

use std::path::Path;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use psmonitor_core::auth::Argon2Params;
use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::keyring_state::{KeyringSource, Lookup};
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::{Controller, LocalPassword};
use psmonitor_keyring::KeyringError;

use crate::harness::{PASSWORD, World, find, pump, text, wait_until};

/// What a missing Secret Service answers over D-Bus: never to be shown in the window.
const ZBUS: &str = "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets \
                    was not provided by any .service files";

fn hash(dir: &Path) -> Result<String, String> {
    let store = psmonitor_store::Store::open(dir).map_err(|e| e.to_string())?;
    Ok(store
        .account()
        .map_err(|e| e.to_string())?
        .ok_or("no account")?
        .password_hash)
}

/// The app on the data dir `dir` (which has an account) whose keyring answers with `lookup`.
fn start_on(w: &World, dir: &Path, lookup: Arc<Lookup>) -> Rc<Controller> {
    let settings = Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    };
    settings.save(dir).unwrap();
    let options = Options {
        data_dir: dir.to_owned(),
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
    Controller::start(&w.app, options, w.controller.level.clone(), lines)
}

/// The app on a new account (password [`PASSWORD`]) whose keyring answers with `lookup`.
fn start(w: &World, lookup: Arc<Lookup>) -> (Rc<Controller>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    psmonitor_server::testing::create_test_account(dir.path(), PASSWORD, Argon2Params::testing());
    (start_on(w, dir.path(), lookup), dir)
}

fn close(c: &Rc<Controller>) {
    c.shutdown();
    c.main.window.close();
}

/// Waits until this computer shows data with no banner and is "live".
fn live(c: &Controller) -> Result<(), String> {
    wait_until("this computer live", Duration::from_secs(20), || {
        !text(&c.main.window, "cpu-usage").is_empty()
            && c.main.banner_text().is_none()
            && c.main.state() == psmonitor_gtk::ui::host_pane::HostState::Live
    })
    .map_err(|e| {
        format!(
            "{e}; banner {:?}, state {:?}",
            c.main.banner_text(),
            c.main.state()
        )
    })
}

/// Waits until the keyring's answer is in, then opens View credentials; checks its text.
fn credentials_say(c: &Rc<Controller>, needles: &[&str]) -> Result<gtk::Window, String> {
    wait_until("the keyring's answer", Duration::from_secs(10), || {
        matches!(c.local_password(), LocalPassword::Missing(_))
    })?;
    let window = c.open_credentials();
    let said = text(&window, "cred-state");
    for needle in needles
        .iter()
        .chain(&["Nothing was reset", "shown all the same"])
    {
        if !said.contains(needle) {
            window.close();
            return Err(format!(
                "View credentials does not say {needle:?}: {said:?}"
            ));
        }
    }
    if said.contains("org.freedesktop") || said.contains(ZBUS) {
        window.close();
        return Err(format!(
            "View credentials shows the raw D-Bus message: {said:?}"
        ));
    }
    Ok(window)
}

fn buttons(window: &gtk::Window) -> Vec<&'static str> {
    ["cred-reset", "cred-retry", "cred-enter"]
        .into_iter()
        .filter(|name| find(window, name).is_some_and(|b| b.is_visible()))
        .collect()
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

fn entry(window: &gtk::Window, name: &str) -> Result<gtk::Entry, String> {
    find(window, name)
        .and_then(|e| e.downcast::<gtk::Entry>().ok())
        .ok_or(format!("no entry {name}"))
}

/// Enters `password` in the open password form and waits for the background check's answer.
fn submit_password(password: &str) -> Result<Option<String>, String> {
    let form = window_with("password-entry").ok_or("no password form")?;
    find(&form, "password-entry")
        .and_then(|e| e.downcast::<gtk::PasswordEntry>().ok())
        .ok_or("no entry")?
        .set_text(password);
    click(&form, "password-ok")?;
    let mut error = String::new();
    wait_until("the password check", Duration::from_secs(20), || {
        error = text(&form, "password-error");
        !form.is_visible() || (!error.is_empty() && error != "Checking…")
    })?;
    Ok(form.is_visible().then_some(error))
}

pub fn keyring_without_an_entry_still_shows_this_computer(w: &World) -> Result<(), String> {
    let (c, dir) = start(w, Arc::new(|| Ok(None)));
    let result = (|| {
        let before = hash(dir.path())?;
        live(&c)?;
        let creds = credentials_say(&c, &["no PSMonitor password"])?;
        let shown = buttons(&creds);
        if shown != ["cred-reset", "cred-enter"] {
            return Err(format!("credentials buttons {shown:?}"));
        }
        wait_until(
            "the credentials window laid out",
            Duration::from_secs(5),
            || creds.width() > 0,
        )?;
        pump(Duration::from_millis(200));
        let shot = crate::harness::render(&creds)?;
        shot.save_to_png(crate::harness::screenshots().join("credentials-no-entry.png"))
            .map_err(|e| e.to_string())?;
        click(&creds, "cred-enter")?;
        let refused = submit_password("not it")?;
        if !refused
            .as_deref()
            .is_some_and(|e| e.contains("not the password"))
        {
            return Err(format!("a wrong password says {refused:?}"));
        }
        if let Some(error) = submit_password(PASSWORD)? {
            return Err(format!("the right password was refused: {error}"));
        }
        // The open window now shows the password, hidden until revealed.
        let password = entry(&creds, "cred-password")?;
        if password.text() != PASSWORD || password.property::<bool>("visibility") {
            return Err(format!(
                "credentials show {:?}, visible {}",
                password.text(),
                password.property::<bool>("visibility")
            ));
        }
        click_toggle(&creds, "cred-password-reveal")?;
        if !password.property::<bool>("visibility") {
            return Err("Show does not reveal the password".into());
        }
        creds.close();
        if hash(dir.path())? != before {
            return Err("entering the password changed the hash".into());
        }
        Ok(())
    })();
    close(&c);
    result
}

fn click_toggle(window: &gtk::Window, name: &str) -> Result<(), String> {
    let toggle = find(window, name)
        .and_then(|b| b.downcast::<gtk::ToggleButton>().ok())
        .ok_or(format!("no toggle {name}"))?;
    toggle.set_active(!toggle.is_active());
    Ok(())
}

pub fn unavailable_keyring_resets_only_after_confirmation(w: &World) -> Result<(), String> {
    let lookup: Arc<Lookup> = Arc::new(|| Err(KeyringError::Unavailable(ZBUS.into())));
    let (c, dir) = start(w, lookup);
    let result = (|| {
        let before = hash(dir.path())?;
        live(&c)?;
        let creds = credentials_say(&c, &["No keyring could be asked"])?;
        let shown = buttons(&creds);
        if shown != ["cred-reset", "cred-retry", "cred-enter"] {
            return Err(format!("credentials buttons {shown:?}"));
        }
        click(&creds, "cred-reset")?;
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
        click(&confirm, "reset-cancel")?;
        pump(Duration::from_millis(200));
        if hash(dir.path())? != before {
            return Err("Cancel reset the password".into());
        }
        click(&creds, "cred-reset")?;
        let confirm = window_with("reset-warning").ok_or("no confirmation the second time")?;
        click(&confirm, "reset-confirm")?;
        wait_until("the new password", Duration::from_secs(20), || {
            c.credentials().is_some()
        })?;
        if hash(dir.path())? == before {
            return Err("the confirmed reset did not change the hash".into());
        }
        if entry(&creds, "cred-password")?.text() == PASSWORD {
            return Err("the credentials window still shows the old password".into());
        }
        creds.close();
        live(&c)
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
        live(&c)?;
        let creds = credentials_say(&c, &["did not answer in time", "locked", "0.3 s"])?;
        let shown = buttons(&creds);
        creds.close();
        if shown != ["cred-reset", "cred-retry", "cred-enter"] {
            return Err(format!("credentials buttons {shown:?}"));
        }
        if hash(dir.path())? != before {
            return Err("the password hash changed".into());
        }
        Ok(())
    })();
    close(&c);
    drop(hold);
    result
}

/// The `psmonitor` binary beside this test binary (`target/debug/`), built if missing.
fn psmonitor_bin() -> Result<std::path::PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().and_then(Path::parent).ok_or("no target dir")?;
    let bin = dir.join("psmonitor");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "psmonitor-server", "--bin", "psmonitor"])
            .status()
            .map_err(|e| format!("cannot build psmonitor: {e}"))?;
        if !status.success() || !bin.exists() {
            return Err(format!("cannot build {}", bin.display()));
        }
    }
    Ok(bin)
}

/// The case: `psmonitor serve` made the account (no keyring, so its password is only
/// on its terminal), then the app starts on the same data dir with no keyring: this computer is
/// live, the password printed by `serve` is accepted under View credentials, nothing is reset.
pub fn serve_made_account_without_a_keyring_is_live(w: &World) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let fixture = w.controller.options.fixture.clone().ok_or("no fixture")?;
    let mut serve = Command::new(psmonitor_bin()?);
    for (key, _) in std::env::vars() {
        if key.starts_with("PSMONITOR_") {
            serve.env_remove(key);
        }
    }
    let mut child = serve
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/psmonitor-test-bus",
        )
        .env("PSMONITOR_DATA_DIR", dir.path())
        .args(["serve", "--port", "0", "--fixture"])
        .arg(&fixture)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run psmonitor serve: {e}"))?;
    let out = child.stdout.take().ok_or("no stdout")?;
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = None;
    let listening = loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.starts_with("listening on") => break Ok(()),
            Ok(line) => {
                if let Some(p) = line.trim().strip_prefix("password: ") {
                    printed = Some(p.to_owned());
                }
            }
            Err(e) => break Err(format!("serve never listened: {e}")),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    listening?;
    let printed = printed.ok_or("serve printed no password")?;
    let before = hash(dir.path())?;
    let c = start_on(
        w,
        dir.path(),
        Arc::new(|| Err(KeyringError::Unavailable(ZBUS.into()))),
    );
    let result = (|| {
        live(&c)?;
        let creds = credentials_say(&c, &["No keyring could be asked"])?;
        click(&creds, "cred-enter")?;
        if let Some(error) = submit_password(&printed)? {
            return Err(format!("the password serve printed was refused: {error}"));
        }
        creds.close();
        if hash(dir.path())? != before {
            return Err("the app changed the account serve made".into());
        }
        live(&c)
    })();
    close(&c);
    result
}
