//! The controller: owns the embedded server, the main window and its hosts, the log buffer and
//! the settings, and installs the application's actions and shortcuts.

mod hosts;
mod prefs;

use std::cell::RefCell;
use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gio, glib};
use psmonitor_server::ServerHandle;
use zeroize::Zeroizing;

use crate::client::{ClientConfig, watch, watch_options};
use crate::embedded::{self, Credentials, MissingPassword, Options};
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
    credentials: RefCell<Option<Credentials>>,
    server_url: RefCell<Option<String>>,
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
            &window.window,
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
            credentials: RefCell::new(None),
            server_url: RefCell::new(None),
        });
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
        this.window.window.present();
        this
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.settings.borrow().clone()
    }

    /// The embedded server's login, once known.
    pub fn credentials(&self) -> Option<Credentials> {
        self.credentials.borrow().clone()
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
            this.apply_settings(merged)
        })
    }

    /// Opens the credentials window.
    pub fn open_credentials(&self) -> gtk::Window {
        let login = self.server_url().zip(self.credentials());
        crate::ui::dialogs::credentials(&self.main.window, login)
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
            }),
        )
    }

    /// (Re)starts the embedded server in the background, then points the main window at it.
    fn start_server(self: &Rc<Self>) {
        let old = self.server.take();
        self.main.detach();
        let result = embedded::start_in_background(
            self.options.clone(),
            self.settings.borrow().clone(),
            old,
            self.credentials.borrow().clone(),
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
                        status.push_str(&format!(" · keyring: {note}"));
                    }
                    this.main.set_status(&status);
                    this.server_url.replace(Some(started.url));
                    this.server.replace(Some(started.handle));
                    match started.login {
                        Ok(credentials) => this.use_credentials(credentials),
                        Err(missing) => this.ask_for_password(missing),
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

    /// Logs the main window in to the embedded server with `credentials`.
    pub fn use_credentials(self: &Rc<Self>, credentials: Credentials) {
        let Some(url) = self.server_url.borrow().clone() else {
            return;
        };
        let config = ClientConfig {
            server: url,
            username: credentials.username.clone(),
            password: credentials.password.clone(),
            trust: Default::default(),
        };
        self.credentials.replace(Some(credentials));
        self.main.set_needs_password(false);
        self.main.hide_banner();
        self.main.attach(watch(config, watch_options()));
    }

    /// The keyring gave no password: says why and offers to enter it, to ask again, or to reset
    /// it after a confirmation. Nothing is reset without that confirmation.
    fn ask_for_password(self: &Rc<Self>, missing: MissingPassword) {
        tracing::warn!("no password for the embedded server: {:?}", missing.state);
        self.credentials.replace(None);
        self.main.set_needs_password(true);
        self.main
            .show_banner(Severity::Error, &missing.state.explain());
        let weak = Rc::downgrade(self);
        let user = missing.username.clone();
        self.main.banner.add_action(
            "Enter the password…",
            Rc::new(move || {
                if let Some(this) = weak.upgrade() {
                    this.open_password_form(&user);
                }
            }),
        );
        if missing.state.can_retry() {
            let weak = Rc::downgrade(self);
            self.main.banner.add_action(
                "Ask the keyring again",
                Rc::new(move || {
                    if let Some(this) = weak.upgrade() {
                        this.start_server();
                    }
                }),
            );
        }
        let weak = Rc::downgrade(self);
        let user = missing.username;
        self.main.banner.add_action(
            "Reset the password…",
            Rc::new(move || {
                let Some(this) = weak.upgrade() else { return };
                let weak = Rc::downgrade(&this);
                crate::ui::password::confirm_reset(&this.main.window, &user, move || {
                    if let Some(this) = weak.upgrade() {
                        this.reset_password();
                    }
                });
            }),
        );
    }

    /// Opens the form for the embedded server's password; a right one logs the window in.
    pub fn open_password_form(
        self: &Rc<Self>,
        username: &str,
    ) -> crate::ui::password::PasswordDialog {
        let weak = Rc::downgrade(self);
        let user = username.to_owned();
        let prompt = format!(
            "The password of \u{201c}{username}\u{201d} on this computer's server (other clients \
             log in with it too):"
        );
        crate::ui::password::ask(&self.main.window, &prompt, move |password| {
            let Some(this) = weak.upgrade() else {
                return Ok(());
            };
            match embedded::check_password(&this.options.data_dir, password) {
                Ok(true) => {
                    this.use_credentials(Credentials {
                        username: user.clone(),
                        password: Zeroizing::new(password.to_owned()),
                    });
                    Ok(())
                }
                Ok(false) => Err("That is not the password. Try again, or reset it.".into()),
                Err(e) => Err(e.to_string()),
            }
        })
    }

    /// Sets a new password (the user confirmed it) and logs the window in with it.
    pub fn reset_password(self: &Rc<Self>) {
        let (tx, rx) = async_channel::bounded(1);
        let options = self.options.clone();
        let spawned = std::thread::Builder::new()
            .name("psmonitor-reset".into())
            .spawn(move || {
                let _ = tx.send_blocking(embedded::reset(&options));
            });
        if let Err(e) = spawned {
            self.main
                .show_banner(Severity::Error, &format!("Cannot reset: {e}"));
            return;
        }
        self.main.set_status("Resetting the password…");
        let weak = Rc::downgrade(self);
        glib::spawn_future_local(async move {
            let Ok(result) = rx.recv().await else { return };
            let Some(this) = weak.upgrade() else { return };
            match result {
                Ok((credentials, note)) => {
                    let mut status = "Password reset (see View credentials)".to_owned();
                    if let Some(note) = note {
                        status.push_str(&format!(" · keyring: {note}"));
                    }
                    tracing::info!("{status}");
                    // The running server holds the old account: restart it on the new one.
                    this.credentials.replace(Some(credentials));
                    this.start_server();
                }
                Err(e) => this
                    .main
                    .show_banner(Severity::Error, &format!("The password was not reset: {e}")),
            }
        });
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
        add("quit", |c| c.app.quit());
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
                && pane.url.is_some()
            {
                c.remove_host(&pane);
            }
        });
        self.app.set_accels_for_action("app.quit", &["<Control>q"]);
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

/// Adds `http://` when the user typed only `host:port`.
pub fn normalise_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    }
}
