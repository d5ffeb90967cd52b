//! GNOME conventions: Quit saves the window size, one instance per session (the real binary,
//! launched twice on a private session bus), Escape closes dialogs, a shortcuts window.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, gio, prelude::*};
use psmonitor_gtk::keyring_state::KeyringSource;
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::Controller;

use crate::harness::{PASSWORD, World, pump, wait_until};

pub fn quit_saves_the_window_size(w: &World) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    }
    .save(dir.path())
    .map_err(|e| e.to_string())?;
    // Its own application: quitting it leaves the world's.
    let app = gtk::Application::new(
        Some("io.github.psmonitor.UiTestQuit"),
        gio::ApplicationFlags::NON_UNIQUE,
    );
    app.register(gio::Cancellable::NONE)
        .map_err(|e| e.to_string())?;
    let options = Options {
        data_dir: dir.path().to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: None,
        keyring: KeyringSource::for_run(true),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    let c = Controller::start(&app, options, w.controller.level.clone(), lines);
    c.window.window.set_default_size(987, 654);
    app.activate_action("quit", None);
    pump(Duration::from_millis(100));
    c.shutdown();
    c.window.window.close();
    let size = Settings::load(dir.path()).window_size;
    if size != (987, 654) {
        return Err(format!("Quit saved {size:?}"));
    }
    Ok(())
}

pub fn escape_closes_dialogs_and_shortcuts_are_listed(w: &World) -> Result<(), String> {
    let c = &w.controller;
    let dialogs: Vec<(&str, gtk::Window)> = vec![
        ("credentials", c.open_credentials()),
        ("log", c.open_log()),
        ("add host", c.open_connect().window),
        ("settings", c.open_settings().window.clone()),
        ("preferences", c.open_preferences().window.clone()),
    ];
    for (name, window) in dialogs {
        pump(Duration::from_millis(50));
        if !crate::harness::press_key(&window, "Escape") || window.is_visible() {
            window.close();
            return Err(format!("Escape does not close the {name} dialog"));
        }
    }
    let accels = c.app.accels_for_action("app.shortcuts");
    if !accels.iter().any(|a| a == "<Control>question") {
        return Err(format!("app.shortcuts has {accels:?}"));
    }
    let shortcuts = psmonitor_gtk::ui::shortcuts::open(&c.main.window);
    pump(Duration::from_millis(200));
    let mut listed = Vec::new();
    let mut stack = vec![shortcuts.clone().upcast::<gtk::Widget>()];
    while let Some(widget) = stack.pop() {
        if let Ok(s) = widget.clone().downcast::<gtk::ShortcutsShortcut>() {
            listed.push(
                s.property::<Option<String>>("accelerator")
                    .unwrap_or_default(),
            );
        }
        let mut child = widget.first_child();
        while let Some(ch) = child {
            child = ch.next_sibling();
            stack.push(ch);
        }
    }
    shortcuts.close();
    for (action, accel) in [
        ("app.quit", "<Control>q"),
        ("app.preferences", "<Control>comma"),
        ("app.connect", "<Control>o"),
        ("app.edit-host", "<Control>e"),
    ] {
        if !listed.iter().any(|l| l == accel) {
            return Err(format!("the shortcuts window lacks {accel}: {listed:?}"));
        }
        if !c.app.accels_for_action(action).iter().any(|a| a == accel) {
            return Err(format!("{action} is not bound to {accel}"));
        }
    }
    Ok(())
}

struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn name_owned(bus: &str) -> bool {
    Command::new("dbus-send")
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{}", psmonitor_gtk::APP_ID),
        ])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
}

pub fn a_second_launch_raises_the_first(w: &World) -> Result<(), String> {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start dbus-daemon: {e}"))?;
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().ok_or("no address")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let bus = line.trim().to_owned();
    let mut running = Killed(vec![daemon]);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let fixture = w.controller.options.fixture.clone().ok_or("no fixture")?;
    let app = |dir: &std::path::Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psmonitor-gtk"));
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("PSMONITOR_DATA_DIR", dir)
            .env("PSMONITOR_FIXTURE", &fixture)
            .env("PSMONITOR_PASSWORD", PASSWORD)
            .env("PSMONITOR_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    let first = app(dir.path()).spawn().map_err(|e| e.to_string())?;
    running.0.push(first);
    wait_until(
        "the first instance on the bus",
        Duration::from_secs(30),
        || name_owned(&bus),
    )?;
    let other = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut second = app(other.path()).spawn().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            let _ = second.wait();
            return Err("the second launch kept running beside the first".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !status.success() {
        return Err(format!("the second launch ended with {status}"));
    }
    if running.0[1]
        .try_wait()
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err("the first instance ended".into());
    }
    // The second never started its own server: its data dir has no database.
    if find_db(other.path()) {
        return Err("the second launch made its own database".into());
    }
    Ok(())
}

/// Whether `dir` has anything in it (a database, settings).
fn find_db(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

pub fn remote_host_down_and_back_is_notified(w: &World) -> Result<(), String> {
    use psmonitor_core::auth::Argon2Params;
    let defaults = Settings::default().notify;
    if !defaults.remote || defaults.this_computer {
        return Err(format!("notifications by default: {defaults:?}"));
    }
    let server_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let account = psmonitor_server::testing::create_test_account(
        server_dir.path(),
        PASSWORD,
        Argon2Params::testing(),
    );
    let mut cfg = psmonitor_server::testing::test_config(server_dir.path());
    cfg.interval = Duration::from_millis(250);
    let host = crate::harness::fixtures()
        .join("hosts")
        .join(format!("{}.json", crate::harness::REMOTE_HOST));
    let server = psmonitor_server::testing::spawn_fixture(cfg.clone(), account.clone(), &host);
    cfg.port = server.addr().port();
    let url = format!("http://{}", server.addr());
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    }
    .save(dir.path())
    .map_err(|e| e.to_string())?;
    let options = Options {
        data_dir: dir.path().to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: None,
        keyring: KeyringSource::for_run(true),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    let c = Controller::start(&w.app, options, w.controller.level.clone(), lines);
    let result = (|| {
        let pane = c.connect_remote(&url, "PSMonitor", PASSWORD.to_owned().into(), false);
        let live = || pane.state() == psmonitor_gtk::ui::host_pane::HostState::Live;
        wait_until("the remote host live", Duration::from_secs(20), live)?;
        server.stop().map_err(|e| e.to_string())?;
        wait_until("a 'down' notification", Duration::from_secs(30), || {
            c.notifications().iter().any(|n| n.ends_with("is down"))
        })?;
        let again = psmonitor_server::testing::spawn_fixture(cfg, account, &host);
        let back = wait_until("a 'back' notification", Duration::from_secs(60), || {
            c.notifications().iter().any(|n| n.ends_with("is back"))
        });
        let _ = again.stop();
        back?;
        let sent = c.notifications();
        if sent.len() != 2 || !sent[0].contains(&url) {
            return Err(format!("notifications sent: {sent:?}"));
        }
        Ok(())
    })();
    c.shutdown();
    c.window.window.close();
    result
}

pub fn a_held_up_main_loop_is_measured(_: &World) -> Result<(), String> {
    use psmonitor_gtk::gtk::glib;
    let stalls = psmonitor_gtk::ui::stalls::watch(Duration::from_secs(3600));
    pump(Duration::from_millis(100));
    let calm = stalls.longest();
    // The main loop held up 60 ms without working (as when the thread waits for a core).
    glib::idle_add_local_once(|| std::thread::sleep(Duration::from_millis(60)));
    pump(Duration::from_millis(100));
    let longest = stalls.longest();
    if longest < Duration::from_millis(50) || stalls.ticks() < 5 {
        return Err(format!(
            "a 60 ms block measured as {longest:?} (calm: {calm:?}, {} ticks)",
            stalls.ticks()
        ));
    }
    if stalls.busiest() >= Duration::from_millis(40) {
        return Err(format!(
            "a 60 ms sleep counted as {:?} of work",
            stalls.busiest()
        ));
    }
    // 60 ms of work on the main loop (of CPU time: a loaded machine may stretch it).
    glib::idle_add_local_once(|| {
        let cpu = || {
            let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
            Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
        };
        let start = cpu();
        let mut x = 0u64;
        while cpu() - start < Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    });
    pump(Duration::from_millis(100));
    if stalls.busiest() < Duration::from_millis(40) {
        return Err(format!(
            "60 ms of work measured as {:?} of work",
            stalls.busiest()
        ));
    }
    Ok(())
}
