//! One host in the main window: a banner for connection problems, its pages (Resources,
//! Processes) and a status line, fed by one watch. This computer and remote hosts alike.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;

use crate::client::Watch;
use crate::model::{Connection, Refresh, ViewModel};
use crate::process_list::Sort;
use crate::ui::host_view::HostView;
use crate::ui::processes::Callbacks;
use psmonitor_client::Fingerprint;

use crate::ui::banner::Banner;
pub use crate::ui::banner::Severity;

/// Called with the fingerprint of a certificate the watch did not trust.
#[derive(Clone)]
struct UntrustedHandler(Rc<dyn Fn(Fingerprint)>);

impl std::fmt::Debug for UntrustedHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UntrustedHandler")
    }
}

/// What a banner button or an event of the pane runs.
#[derive(Clone)]
pub struct Action(pub Rc<dyn Fn()>);

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Action")
    }
}

/// Called with `false` when a host that was live goes down, `true` when it comes back.
#[derive(Clone)]
struct UpDown(Rc<dyn Fn(bool)>);

impl std::fmt::Debug for UpDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpDown")
    }
}

/// Called when the pane's state or name changed (the main window relabels it).
#[derive(Clone)]
struct Changed(Rc<dyn Fn()>);

impl std::fmt::Debug for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Changed")
    }
}

/// What a host's state is, as the hosts list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostState {
    /// Logging in.
    Connecting,
    /// Receiving data.
    Live,
    /// Lost; retrying.
    Reconnecting,
    /// Refused or failed for good (wrong password, bad address).
    Refused,
    /// The certificate is not trusted (yet).
    Untrusted,
    /// No password known: the user must enter it.
    NeedsPassword,
}

impl HostState {
    /// The word shown.
    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Refused => "refused",
            Self::Untrusted => "untrusted certificate",
            Self::NeedsPassword => "password needed",
        }
    }
}

/// One host shown in the main window.
#[derive(Debug)]
pub struct HostPane {
    /// The main window it lives in (parent of its dialogs).
    pub window: gtk::ApplicationWindow,
    /// The root widget: banner, pages, status line.
    pub root: gtk::Box,
    url: RefCell<Option<String>>,
    /// The user name it logs in with.
    pub username: RefCell<String>,
    /// The password of its last login (pre-fills Edit host and Connect again).
    pub password: RefCell<zeroize::Zeroizing<String>>,
    /// The pages.
    pub view: RefCell<HostView>,
    /// What the panels show.
    pub model: Rc<RefCell<ViewModel>>,
    /// The status line.
    pub status: gtk::Label,
    /// The banner.
    pub banner: Banner,
    failure_action: RefCell<Option<(String, Action)>>,
    on_untrusted: RefCell<Option<UntrustedHandler>>,
    on_bad_request: RefCell<Option<Action>>,
    on_up_down: RefCell<Option<UpDown>>,
    was_live: Cell<bool>,
    is_down: Cell<bool>,
    watch: RefCell<Option<Watch>>,
    generation: Cell<u64>,
    host: RefCell<String>,
    needs_password: Cell<bool>,
    changed: RefCell<Option<Changed>>,
}

/// The toast after `signal` went to `pids`, e.g. "Terminate sent to process 1234".
fn signal_sent(signal: crate::process_list::Signal, pids: &[u32]) -> String {
    match pids {
        [pid] => format!("{} sent to process {pid}", signal.label()),
        _ => format!("{} sent to {} processes", signal.label(), pids.len()),
    }
}

/// Stops a watch without making the UI wait for its thread to end.
fn stop_off_thread(watch: Watch) {
    let _ = std::thread::Builder::new()
        .name("psmonitor-watch-stop".into())
        .spawn(move || watch.stop());
}

impl HostPane {
    /// A pane in `window` for `host` (a host name or a URL until the first snapshot names
    /// it) at `url` (`None`: this computer). `local` (a procfs) lists its processes with the
    /// signal menu; `sort` orders them at first and `on_sort` hears when the user changes it.
    pub fn new(
        window: &gtk::ApplicationWindow,
        toasts: &adw::ToastOverlay,
        host: &str,
        url: Option<String>,
        local: Option<std::path::PathBuf>,
        sort: Sort,
        on_sort: Rc<dyn Fn(Sort)>,
    ) -> Rc<Self> {
        let window = window.clone();
        let model = Rc::new(RefCell::new(ViewModel::default()));
        let parent = window.downgrade();
        let toasts = toasts.downgrade();
        let callbacks = Callbacks {
            on_signal: Rc::new(move |rows, signal, page| {
                let Some(parent) = parent.upgrade() else {
                    return;
                };
                let pids: Vec<u32> = rows.iter().map(|r| r.pid).collect();
                let toasts = toasts.clone();
                crate::ui::dialogs::confirm_signal(&parent, &rows, signal, move || {
                    let refused: Vec<String> = pids
                        .iter()
                        .filter_map(|&pid| crate::process_list::send(pid, signal).err())
                        .map(|e| e.to_string())
                        .collect();
                    if refused.is_empty() {
                        page.show_error(None);
                        if let Some(toasts) = toasts.upgrade() {
                            crate::ui::main_window::show_toast(
                                &toasts,
                                &signal_sent(signal, &pids),
                            );
                        }
                    } else {
                        page.show_error(Some(&refused.join(" ")));
                    }
                });
            }),
            on_sort,
            on_details: {
                let (parent, root) = (window.downgrade(), local.clone());
                Rc::new(move |row| {
                    if let (Some(parent), Some(root)) = (parent.upgrade(), root.as_deref()) {
                        crate::ui::process_details::open(&parent, root, row.pid, &row.name);
                    }
                })
            },
        };
        let meminfo = local.clone();
        let view = HostView::new(&model, local, sort, callbacks);
        let banner = Banner::new();
        let status = gtk::Label::builder()
            .xalign(0.0)
            .ellipsize(gtk::pango::EllipsizeMode::End)
            .margin_start(8)
            .margin_end(8)
            .margin_top(3)
            .margin_bottom(3)
            .name("status")
            .build();
        status.add_css_class("dim-label");
        let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
        content.append(&banner.root);
        content.append(&view.root);
        content.append(&gtk::Separator::new(gtk::Orientation::Horizontal));
        content.append(&status);
        let pane = Rc::new(Self {
            window,
            root: content,
            url: RefCell::new(url),
            username: RefCell::new(String::new()),
            password: RefCell::new(zeroize::Zeroizing::default()),
            view: RefCell::new(view),
            model,
            status,
            banner,
            failure_action: RefCell::new(None),
            on_untrusted: RefCell::new(None),
            on_bad_request: RefCell::new(None),
            on_up_down: RefCell::new(None),
            was_live: Cell::new(false),
            is_down: Cell::new(false),
            watch: RefCell::new(None),
            generation: Cell::new(0),
            host: RefCell::new(host.to_owned()),
            needs_password: Cell::new(false),
            changed: RefCell::new(None),
        });
        if let Some(root) = meminfo {
            pane.read_memory_locally(root);
        }
        pane
    }

    /// This computer's memory breakdown (cache, buffers...) from its procfs every 2 s while the
    /// pane exists: one small file, read in microseconds.
    fn read_memory_locally(self: &Rc<Self>, root: std::path::PathBuf) {
        let weak = Rc::downgrade(self);
        let read = move || {
            let Some(this) = weak.upgrade() else {
                return glib::ControlFlow::Break;
            };
            let now = crate::meminfo::read(&root);
            if this.model.borrow().breakdown != now {
                this.model.borrow_mut().breakdown = now;
                let model = this.model.borrow();
                this.view.borrow_mut().refresh(&model, Refresh::MEMORY);
            }
            glib::ControlFlow::Continue
        };
        let first = read.clone();
        glib::idle_add_local_once(move || {
            first();
        });
        glib::timeout_add_local(std::time::Duration::from_secs(2), read);
    }

    /// Shows the data of `watch` from now on; an earlier watch is stopped.
    pub fn attach(self: &Rc<Self>, watch: Watch) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let events = watch.events.clone();
        if let Some(old) = self.watch.replace(Some(watch)) {
            stop_off_thread(old);
        }
        let weak = Rc::downgrade(self);
        glib::spawn_future_local(async move {
            while let Ok(first) = events.recv().await {
                let Some(this) = weak.upgrade() else { break };
                if this.generation.get() != generation {
                    break;
                }
                let mut refresh = this.model.borrow_mut().apply(first);
                // A slow UI catches up here: everything queued is folded into one redraw.
                while let Ok(more) = events.try_recv() {
                    refresh |= this.model.borrow_mut().apply(more);
                }
                this.render(refresh);
            }
        });
    }

    /// Stops the watch (the window stays, showing the last data).
    pub fn detach(&self) {
        self.generation.set(self.generation.get() + 1);
        if let Some(old) = self.watch.take() {
            stop_off_thread(old);
        }
    }

    fn render(&self, refresh: Refresh) {
        let model = self.model.borrow();
        if refresh.contains(Refresh::CONNECTION) {
            self.up_or_down(&model.connection);
            match &model.connection {
                Connection::Connecting | Connection::Live => self.hide_banner(),
                Connection::Lost { message, retry_in } => {
                    self.show_banner(
                        Severity::Warning,
                        &format!(
                            "Connection lost. {message} Reconnecting in {} s…",
                            retry_in.as_secs().max(1)
                        ),
                    );
                    self.add_failure_action();
                }
                Connection::Failed { message } => {
                    self.show_banner(Severity::Error, message);
                    self.add_failure_action();
                }
                Connection::Untrusted {
                    message,
                    fingerprint,
                } => {
                    self.show_banner(Severity::Error, message);
                    let ask = self.on_untrusted.borrow().clone();
                    if let Some(UntrustedHandler(ask)) = ask {
                        // Cancel leaves this button, to look again.
                        let (again, fingerprint) = (ask.clone(), *fingerprint);
                        self.banner
                            .add_action("Trust…", Rc::new(move || again(fingerprint)));
                        ask(fingerprint);
                    }
                }
            }
            let plain = self.url().is_some_and(|u| u.starts_with("http://"));
            if model.bad_request && plain {
                let check = self.on_bad_request.borrow().clone();
                if let Some(Action(check)) = check {
                    check();
                }
            }
        }
        if refresh.contains(Refresh::PLATFORM) && !model.platform.hostname.is_empty() {
            self.host.replace(model.platform.hostname.clone());
        }
        if refresh.contains(Refresh::CONNECTION) && model.connection == Connection::Live {
            self.needs_password.set(false);
        }
        self.view.borrow_mut().refresh(&model, refresh);
        drop(model);
        if refresh.contains(Refresh::CONNECTION) || refresh.contains(Refresh::PLATFORM) {
            self.notify();
        }
    }

    /// Tells the up/down handler when a host that was live goes down, and when it is back.
    fn up_or_down(&self, connection: &Connection) {
        let handler = self.on_up_down.borrow().clone();
        match connection {
            Connection::Live => {
                self.was_live.set(true);
                if self.is_down.replace(false)
                    && let Some(UpDown(f)) = handler
                {
                    f(true);
                }
            }
            Connection::Lost { .. } | Connection::Failed { .. } => {
                if self.was_live.get()
                    && !self.is_down.replace(true)
                    && let Some(UpDown(f)) = handler
                {
                    f(false);
                }
            }
            Connection::Connecting | Connection::Untrusted { .. } => {}
        }
    }

    /// Calls `f(false)` when the host, having been live, goes down, and `f(true)` when it is
    /// live again.
    pub fn set_on_up_down(&self, f: impl Fn(bool) + 'static) {
        self.on_up_down.replace(Some(UpDown(Rc::new(f))));
    }

    fn notify(&self) {
        let changed = self.changed.borrow().clone();
        if let Some(Changed(f)) = changed {
            f();
        }
    }

    /// Calls `f` whenever the state or the host name changes.
    pub fn set_on_changed(&self, f: impl Fn() + 'static) {
        self.changed.replace(Some(Changed(Rc::new(f))));
    }

    /// Where it connects (`None`: this computer).
    pub fn url(&self) -> Option<String> {
        self.url.borrow().clone()
    }

    /// Whether it is a remote host (not this computer).
    pub fn is_remote(&self) -> bool {
        self.url.borrow().is_some()
    }

    /// Points a remote host at a new URL (Edit host, the switch to https); its name until the
    /// next snapshot becomes the URL.
    pub fn set_url(&self, url: &str) {
        self.url.replace(Some(url.to_owned()));
        self.host.replace(url.to_owned());
        self.notify();
    }

    /// The host's name: its host name once known, else what it was created with.
    pub fn host_name(&self) -> String {
        self.host.borrow().clone()
    }

    /// The state for the hosts list.
    pub fn state(&self) -> HostState {
        if self.needs_password.get() {
            return HostState::NeedsPassword;
        }
        match self.model.borrow().connection {
            Connection::Connecting => HostState::Connecting,
            Connection::Live => HostState::Live,
            Connection::Lost { .. } => HostState::Reconnecting,
            Connection::Failed { .. } => HostState::Refused,
            Connection::Untrusted { .. } => HostState::Untrusted,
        }
    }

    /// Marks the pane as waiting for a password (or not).
    pub fn set_needs_password(&self, needs: bool) {
        self.needs_password.set(needs);
        self.notify();
    }

    /// What to do when the server's certificate is not trusted: the controller asks the user.
    pub fn set_on_untrusted(&self, ask: impl Fn(Fingerprint) + 'static) {
        self.on_untrusted
            .replace(Some(UntrustedHandler(Rc::new(ask))));
    }

    /// Shows the banner with `text`.
    pub fn show_banner(&self, severity: Severity, text: &str) {
        self.banner.show(severity, text);
    }

    /// Adds a button to the shown banner that activates `action` (e.g. `app.settings`).
    pub fn set_banner_action(&self, label: &str, action: &str) {
        self.banner.add_action_name(label, action);
    }

    /// The button offered when the connection fails or is lost, e.g. "Connect again…".
    pub fn set_failure_action(&self, label: &str, run: Rc<dyn Fn()>) {
        self.failure_action
            .replace(Some((label.to_owned(), Action(run))));
    }

    fn add_failure_action(&self) {
        if let Some((label, Action(run))) = self.failure_action.borrow().as_ref() {
            self.banner.add_action(label, run.clone());
        }
    }

    /// What to do when a plain-HTTP host answers 400 (it may speak https on that port).
    pub fn set_on_bad_request(&self, check: impl Fn() + 'static) {
        self.on_bad_request.replace(Some(Action(Rc::new(check))));
    }

    /// The label of the banner's first button while it is shown.
    pub fn banner_action(&self) -> Option<String> {
        self.banner
            .text()
            .and_then(|_| self.banner.actions().into_iter().next())
    }

    /// Hides the banner.
    pub fn hide_banner(&self) {
        self.banner.hide();
    }

    /// The banner's text while it is shown.
    pub fn banner_text(&self) -> Option<String> {
        self.banner.text()
    }

    /// Sets the status line.
    pub fn set_status(&self, text: &str) {
        self.status.set_text(text);
    }
}
