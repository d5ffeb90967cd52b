//! `psmonitor-gtk`: the desktop app.
//!
//! Environment: `PSMONITOR_DATA_DIR` (default `~/.local/share/psmonitor`), `PSMONITOR_FIXTURE`
//! (replay a recorded host, e.g. `fixtures/hosts/desktop-intel-wifi.json`; uses an in-memory
//! keyring), `PSMONITOR_PASSWORD` (a known password), `PSMONITOR_LOG` (log level),
//! `PSMONITOR_GL=1` (keep GTK's OpenGL renderer, see `relaunch_light`), `PSMONITOR_PAGE`
//! (`resources` or `processes`: the page shown at start, e.g. to measure it),
//! `PSMONITOR_STALLS=1` (log the longest main-loop stall every 10 s, to measure it).
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, gio, prelude::*};
use psmonitor_gtk::ui::app::Controller;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Re-runs this program once with a lighter environment, when the user has not chosen otherwise.
///
/// - GTK's cairo renderer and no OpenGL (`GSK_RENDERER=cairo`, `GDK_DEBUG=gl-disable`), unless
///   `GSK_RENDERER`, `GDK_DEBUG` or `PSMONITOR_GL=1` is set. A window of labels and bars gains
///   nothing from OpenGL, and GTK 4.8's GL setup loads the Mesa driver (with LLVM for software and
///   several hardware drivers): under Xvfb that is 3.7 % of a core and 210 MiB against 1.3 % and
///   about 70 MiB with cairo.
/// - A fixed malloc mmap threshold (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576`), unless
///   `GLIBC_TUNABLES` is set: the embedded server's argon2 check (19 MiB, on every login, so every
///   token refresh) otherwise stays resident in a thread arena after glibc raises its threshold.
///
/// Setting variables in-process would need `unsafe` (`std::env::set_var`), so the process image
/// is replaced with the same arguments plus the variables; the pid stays the same. Every variable
/// added is then set, so this happens at most once. If it fails, the app runs as it is.
fn relaunch_light() {
    use std::os::unix::process::CommandExt;
    let set = |v: &str| std::env::var_os(v).is_some();
    let mut add = Vec::new();
    if !set("GSK_RENDERER") && !set("GDK_DEBUG") && env("PSMONITOR_GL").is_none() {
        add.push(("GSK_RENDERER", "cairo"));
        add.push(("GDK_DEBUG", "gl-disable"));
    }
    if !set("GLIBC_TUNABLES") {
        add.push(("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=1048576"));
    }
    if add.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(add)
        .exec();
    eprintln!("psmonitor-gtk: running without the lighter settings ({error})");
}

fn main() -> ExitCode {
    relaunch_light();
    let level = env("PSMONITOR_LOG").unwrap_or_else(|| "info".to_owned());
    let (handle, lines) = match psmonitor_gtk::logging::init(&level) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("psmonitor-gtk: {e}");
            return ExitCode::FAILURE;
        }
    };
    let fixture = env("PSMONITOR_FIXTURE").map(PathBuf::from);
    let options = Options {
        data_dir: env("PSMONITOR_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(psmonitor_server::config::default_data_dir),
        keyring: psmonitor_gtk::keyring_state::KeyringSource::for_run(fixture.is_some()),
        local_processes: fixture.is_none().then(|| PathBuf::from("/proc")),
        fixture,
        password: env("PSMONITOR_PASSWORD"),
        known_servers: psmonitor_client::KnownServers::default_path(),
    };
    // One instance per session: a second launch raises the first window and exits. Without a
    // session bus to register on, the app runs on its own rather than not at all.
    let mut app =
        gtk::Application::new(Some(psmonitor_gtk::APP_ID), gio::ApplicationFlags::empty());
    if let Err(e) = app.register(gio::Cancellable::NONE) {
        tracing::warn!(
            "cannot register on the session bus ({e}): another instance is not detected"
        );
        app = gtk::Application::new(
            Some(psmonitor_gtk::APP_ID),
            gio::ApplicationFlags::NON_UNIQUE,
        );
    }
    if app.is_remote() {
        tracing::info!("PSMonitor already runs: raising its window");
    } else if let Err(e) = psmonitor_gtk::adw::init() {
        // Before the main loop runs: loading libadwaita's stylesheet (about 10 ms) is start-up
        // work, not a stall of a window on screen.
        tracing::warn!("libadwaita did not start: {e}");
    }
    let controller: Rc<RefCell<Option<Rc<Controller>>>> = Rc::default();
    let keep = controller.clone();
    app.connect_activate(move |app| {
        let mut slot = keep.borrow_mut();
        match slot.as_ref() {
            Some(c) => c.window.window.present(),
            None => {
                if env("PSMONITOR_STALLS").is_some() {
                    // Kept for the whole run by the timer it installs.
                    let _ = psmonitor_gtk::ui::stalls::watch(std::time::Duration::from_secs(10));
                }
                let c = Controller::start(app, options.clone(), handle.clone(), lines.clone());
                if let Some(page) = env("PSMONITOR_PAGE") {
                    c.main.view.borrow().show_page(&page);
                }
                *slot = Some(c);
            }
        }
    });
    let status = app.run_with_args::<&str>(&[]);
    drop(controller);
    if status == gtk::glib::ExitCode::SUCCESS {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
