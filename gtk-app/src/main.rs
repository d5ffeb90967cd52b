//! `psmonitor-gtk`: the desktop app.
//!
//! Environment: `PSMONITOR_DATA_DIR` (default `~/.local/share/psmonitor`), `PSMONITOR_FIXTURE`
//! (replay a recorded host, e.g. `fixtures/hosts/desktop-intel-wifi.json`; uses an in-memory
//! keyring), `PSMONITOR_PASSWORD` (a known password), `PSMONITOR_LOG` (log level).
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

fn main() -> ExitCode {
    let level = env("PSMONITOR_LOG").unwrap_or_else(|| "info".to_owned());
    let (handle, lines) = match psmonitor_gtk::logging::init(&level) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("psmonitor-gtk: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        data_dir: env("PSMONITOR_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(psmonitor_server::config::default_data_dir),
        fixture: env("PSMONITOR_FIXTURE").map(PathBuf::from),
        password: env("PSMONITOR_PASSWORD"),
    };
    let app = gtk::Application::new(
        Some(psmonitor_gtk::APP_ID),
        gio::ApplicationFlags::NON_UNIQUE,
    );
    let controller: Rc<RefCell<Option<Rc<Controller>>>> = Rc::default();
    let keep = controller.clone();
    app.connect_activate(move |app| {
        let mut slot = keep.borrow_mut();
        match slot.as_ref() {
            Some(c) => c.main.window.present(),
            None => {
                *slot = Some(Controller::start(
                    app,
                    options.clone(),
                    handle.clone(),
                    lines.clone(),
                ));
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
