//! The controller: owns the embedded server, the main window and its hosts, the log buffer and
//! the settings, and installs the application's actions and shortcuts.

mod host_login;
mod hosts;
mod local_password;
mod notify;
mod prefs;

pub use local_password::LocalPassword;

use std::cell::RefCell;
use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gio, glib};
use psmonitor_server::ServerHandle;
use zeroize::Zeroizing;

use crate::client::{ClientConfig, watch_options};
use crate::embedded::{self, Credentials, Options};
use crate::logging::{LevelHandle, LogBuffer};
use crate::settings_store::Settings;
use crate::ui::host_pane::{HostPane, Severity};
use crate::ui::main_window::MainWindow;

/// The running app.
#[derive(Debug)]
pub struct Controller {
    /// The GTK application.
    pub app: gtk::Application,
    /// How the app was started.
    pub options: Options,
    settings: Rc<RefCell<Settings>>,
    /// Changes the log filter.
    pub level: LevelHandle,
    /// The log lines.
    pub log: LogBuffer,
    /// The main window.
    pub window: Rc<MainWindow>,
    /// This computer's pane (the embedded server).
    pub main: Rc<HostPane>,
    /// The remote hosts' panes.
    pub remotes: RefCell<Vec<Rc<HostPane>>>,
    server: RefCell<Option<ServerHandle>>,
    password: RefCell<LocalPassword>,
    server_url: RefCell<Option<String>>,
    credentials_body: RefCell<Option<glib::WeakRef<gtk::Box>>>,
    sent: RefCell<Vec<String>>,
}

fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

impl Controller {
    /// Builds the main window, installs the actions and starts the embedded server.
    /// `log_lines` feeds the log window's buffer.
    pub fn start(
        app: &gtk::Application,
        options: Options,
        level: LevelHandle,
        log_lines: async_channel::Receiver<String>,
    ) -> Rc<Self> {
        crate::ui::theme::install();
        let settings = Settings::load(&options.data_dir);
        if let Err(e) = level.set(&settings.log_level) {
            tracing::warn!("{e}");
        }
        let settings = Rc::new(RefCell::new(settings));
        let on_sort = save_sort(&settings, &options.data_dir);
        let sort = settings.borrow().process_sort;
        let (width, height) = settings.borrow().window_size;
        let window = MainWindow::new(app, width.max(400), height.max(300));
        let main = HostPane::new(
            window.window.upcast_ref(),
            &window.toasts,
            &local_hostname(),
            None,
            options.local_processes.clone(),
            sort,
            on_sort,
        );
        window.add(&main);
        main.set_status("Starting the embedded server…");
        let this = Rc::new(Self {
            app: app.clone(),
            options,
            settings,
            level,
            log: LogBuffer::default(),
            window,
            main,
            remotes: RefCell::new(Vec::new()),
            server: RefCell::new(None),
            password: RefCell::new(LocalPassword::Unknown),
            server_url: RefCell::new(None),
            credentials_body: RefCell::new(None),
            sent: RefCell::new(Vec::new()),
        });
        this.watch_up_down(&this.main);
        let log = this.log.clone();
        glib::spawn_future_local(async move {
            while let Ok(line) = log_lines.recv().await {
                log.push(line);
            }
        });
        this.install_actions();
        let weak = Rc::downgrade(&this);
        app.connect_shutdown(move |_| {
            if let Some(this) = weak.upgrade() {
                this.shutdown();
            }
        });
        this.apply_preferences_to(&this.main);
        this.start_server();
        this.restore_hosts();
        let weak = Rc::downgrade(&this);
        this.window.window.connect_close_request(move |w| {
            if let Some(this) = weak.upgrade() {
                this.remember_window_size(w.default_width(), w.default_height());
            }
            glib::Propagation::Proceed
        });
        this.window.present();
        this
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.settings.borrow().clone()
    }

    /// The embedded server's login, once known (only to show it: the app watches this computer
    /// without it).
    pub fn credentials(&self) -> Option<Credentials> {
        match &*self.password.borrow() {
            LocalPassword::Known(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// What the app knows of the embedded server's password.
    pub fn local_password(&self) -> LocalPassword {
        self.password.borrow().clone()
    }

    /// The embedded server's URL, once started.
    pub fn server_url(&self) -> Option<String> {
        self.server_url.borrow().clone()
    }

    /// Applies `new`: the log level at once, the embedded server restarted if its settings
    /// changed, then saved. `Err` says what did not work.
    pub fn apply_settings(self: &Rc<Self>, new: Settings) -> Result<(), String> {
        let old = self.settings.replace(new.clone());
        let mut problems = Vec::new();
        if let Err(e) = self.level.set(&new.log_level) {
            problems.push(e.to_string());
        }
        if old.needs_restart(&new) {
            tracing::info!("settings changed: restarting the embedded server");
            self.main.set_status("Restarting the embedded server…");
            self.start_server();
        }
        if let Err(e) = new.save(&self.options.data_dir) {
            problems.push(format!(
                "Applied, but not saved ({e}). Check that the data folder is writable."
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join(" "))
        }
    }

    /// Opens the Settings dialog on the current settings.
    pub fn open_settings(self: &Rc<Self>) -> crate::ui::settings::SettingsDialog {
        let weak = Rc::downgrade(self);
        crate::ui::settings::open(&self.main.window, self.settings(), move |new| {
            let Some(this) = weak.upgrade() else {
                return Ok(());
            };
            // Only what the dialog edits: hosts, sort or units may have changed meanwhile.
            let merged = Settings {
                interval_ms: new.interval_ms,
                port: new.port,
                max_connections: new.max_connections,
                log_level: new.log_level,
                ..this.settings()
            };
            let applied = this.apply_settings(merged);
            if applied.is_ok() {
                this.window.toast("Server settings saved");
            }
            applied
        })
    }

    /// Opens the log window.
    pub fn open_log(&self) -> gtk::Window {
        crate::ui::dialogs::log_window(&self.main.window, self.log.clone())
    }

    /// Opens the "Connect to host…" form.
    pub fn open_connect(self: &Rc<Self>) -> crate::ui::dialogs::ConnectDialog {
        let weak = Rc::downgrade(self);
        crate::ui::dialogs::connect(
            &self.main.window,
            Rc::new(move |url, user, password, remember| {
                if let Some(this) = weak.upgrade() {
                    this.connect_remote(url, user, password, remember);
                }
                Ok(())
            }),
        )
    }

    /// (Re)starts the embedded server in the background, then watches it with tokens the app
    /// signs itself: this computer is shown whatever the keyring says.
    fn start_server(self: &Rc<Self>) {
        let old = self.server.take();
        self.main.detach();
        let result = embedded::start_in_background(
            self.options.clone(),
            self.settings.borrow().clone(),
            old,
            self.credentials(),
        );
        let weak = Rc::downgrade(self);
        glib::spawn_future_local(async move {
            let Ok(result) = result.recv().await else {
                return;
            };
            let Some(this) = weak.upgrade() else { return };
            match result {
                Ok(started) => {
                    let mut status = started.status.clone();
                    if let Some(note) = &started.keyring_note {
                        status.push_str(&format!(" · {note}"));
                    }
                    this.main.set_status(&status);
                    this.server_url.replace(Some(started.url.clone()));
                    this.server.replace(Some(started.handle));
                    this.watch_local(&started.url, &started.username);
                    match started.password {
                        Some(known) => this.set_local_password(LocalPassword::Known(known)),
                        None => this.look_up_password(&started.username),
                    }
                }
                Err(e) => {
                    tracing::error!("embedded server: {e}");
                    this.main.set_status("Embedded server not running");
                    this.main.show_banner(
                        Severity::Error,
                        &format!("The embedded server could not start: {e}"),
                    );
                    this.main.set_banner_action("Settings…", "app.settings");
                }
            }
        });
    }

    /// Shows the embedded server at `url` in the main pane, signing its own tokens.
    fn watch_local(&self, url: &str, username: &str) {
        let config = ClientConfig {
            server: url.to_owned(),
            username: username.to_owned(),
            // Never sent: every session is minted from the shared database.
            password: Zeroizing::default(),
            trust: Default::default(),
        };
        self.main.hide_banner();
        self.main.attach(psmonitor_client::watch_minted(
            config,
            watch_options(),
            embedded::mint(&self.options.data_dir),
        ));
    }

    /// Quits (Ctrl+Q, Quit): the window size is saved first, as closing the window does.
    pub fn quit(&self) {
        let w = &self.window.window;
        self.remember_window_size(w.default_width(), w.default_height());
        self.app.quit();
    }

    /// Stops every watch and the embedded server.
    pub fn shutdown(&self) {
        self.main.detach();
        for w in self.remotes.borrow().iter() {
            w.detach();
        }
        if let Some(handle) = self.server.take()
            && let Err(e) = handle.stop()
        {
            tracing::warn!("embedded server: {e}");
        }
    }

    fn install_actions(self: &Rc<Self>) {
        let add = |name: &str, f: fn(&Rc<Controller>)| {
            let action = gio::SimpleAction::new(name, None);
            let weak = Rc::downgrade(self);
            action.connect_activate(move |_, _| {
                if let Some(this) = weak.upgrade() {
                    f(&this);
                }
            });
            self.app.add_action(&action);
        };
        add("quit", |c| c.quit());
        add("shortcuts", |c| {
            crate::ui::shortcuts::open(&c.main.window);
        });
        add("settings", |c| {
            c.open_settings();
        });
        add("credentials", |c| {
            c.open_credentials();
        });
        add("log", |c| {
            c.open_log();
        });
        add("about", |c| crate::ui::dialogs::about(&c.main.window));
        add("connect", |c| {
            c.open_connect();
        });
        add("preferences", |c| {
            c.open_preferences();
        });
        add("remove-host", |c| {
            if let Some(pane) = c.window.selected()
                && pane.is_remote()
            {
                c.ask_remove_host(&pane);
            }
        });
        add("edit-host", |c| {
            if let Some(pane) = c.window.selected()
                && pane.is_remote()
            {
                c.open_edit_host(&pane);
            }
        });
        self.app.set_accels_for_action("app.quit", &["<Control>q"]);
        self.app
            .set_accels_for_action("app.shortcuts", &["<Control>question"]);
        self.app
            .set_accels_for_action("app.edit-host", &["<Control>e"]);
        self.app
            .set_accels_for_action("app.preferences", &["<Control>comma"]);
        self.app
            .set_accels_for_action("app.connect", &["<Control>o"]);
    }
}

/// A closure that saves a new process sort order in `settings` (in `dir`).
fn save_sort(
    settings: &Rc<RefCell<Settings>>,
    dir: &std::path::Path,
) -> Rc<dyn Fn(crate::process_list::Sort)> {
    let (settings, dir) = (settings.clone(), dir.to_owned());
    Rc::new(move |sort| {
        let mut s = settings.borrow_mut();
        if s.process_sort != sort {
            s.process_sort = sort;
            if let Err(e) = s.save(&dir) {
                tracing::warn!("cannot save the sort order: {e}");
            }
        }
    })
}
