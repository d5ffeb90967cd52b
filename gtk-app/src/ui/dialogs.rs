//! Small windows: the log, About, "Connect to host…", and the pieces every dialog shares.

use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;
use zeroize::Zeroizing;

use crate::logging::LogBuffer;

/// A dialog window over `parent` showing `child`; Escape closes it.
pub(crate) fn dialog(
    parent: &impl IsA<gtk::Window>,
    title: &str,
    child: &impl IsA<gtk::Widget>,
) -> gtk::Window {
    let window = gtk::Window::builder()
        .title(title)
        .transient_for(parent)
        .modal(false)
        .child(child)
        .build();
    close_on_escape(&window);
    window
}

/// Makes Escape close `window` (GNOME's convention for dialogs).
pub fn close_on_escape(window: &gtk::Window) {
    let controller = gtk::ShortcutController::new();
    controller.set_scope(gtk::ShortcutScope::Local);
    let close = gtk::CallbackAction::new(|widget, _| {
        if let Some(w) = widget.downcast_ref::<gtk::Window>() {
            w.close();
        }
        glib::Propagation::Stop
    });
    controller.add_shortcut(gtk::Shortcut::new(
        gtk::ShortcutTrigger::parse_string("Escape"),
        Some(close),
    ));
    window.add_controller(controller);
}

pub(crate) fn vbox() -> gtk::Box {
    gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(8)
        .margin_top(12)
        .margin_bottom(12)
        .margin_start(12)
        .margin_end(12)
        .build()
}

/// A right-aligned row of two buttons, the second suggested; returns (row, first, second).
pub(crate) fn button_row(first: &str, second: &str) -> (gtk::Box, gtk::Button, gtk::Button) {
    let a = gtk::Button::with_label(first);
    let b = gtk::Button::with_label(second);
    b.add_css_class("suggested-action");
    let row = gtk::Box::builder()
        .spacing(8)
        .halign(gtk::Align::End)
        .build();
    row.append(&a);
    row.append(&b);
    (row, a, b)
}

/// Opens the log window: `log`'s recent lines, refreshed while it is open.
pub fn log_window(parent: &impl IsA<gtk::Window>, log: LogBuffer) -> gtk::Window {
    let view = gtk::TextView::builder()
        .editable(false)
        .monospace(true)
        .wrap_mode(gtk::WrapMode::WordChar)
        .name("log-text")
        .build();
    view.buffer().set_text(&log.text());
    let scroll = gtk::ScrolledWindow::builder()
        .child(&view)
        .vexpand(true)
        .hexpand(true)
        .build();
    let w = dialog(parent, "PSMonitor log", &scroll);
    w.set_default_size(720, 400);
    let weak = view.downgrade();
    let shown = std::cell::Cell::new(log.len());
    glib::timeout_add_seconds_local(1, move || {
        let Some(view) = weak.upgrade() else {
            return glib::ControlFlow::Break;
        };
        if view.is_mapped() && shown.get() != log.len() {
            shown.set(log.len());
            view.buffer().set_text(&log.text());
        }
        glib::ControlFlow::Continue
    });
    w.present();
    w
}

/// The About dialog.
pub fn about(parent: &impl IsA<gtk::Window>) {
    let about = gtk::AboutDialog::builder()
        .transient_for(parent)
        .program_name("PSMonitor")
        .version(env!("CARGO_PKG_VERSION"))
        .comments("Watch this computer and remote hosts: CPU, memory, disk, network, processes.")
        .license_type(gtk::License::MitX11)
        .website("https://github.com/psmonitor/psmonitor-rs")
        .website_label("Source code")
        .build();
    close_on_escape(about.upcast_ref());
    let svg = glib::Bytes::from_static(include_bytes!("../../data/psmonitor.svg"));
    match gtk::gdk::Texture::from_bytes(&svg) {
        Ok(logo) => about.set_logo(Some(&logo)),
        Err(_) => about.set_logo_icon_name(Some("psmonitor")),
    }
    about.present();
}

/// The host form ("Add host", "Edit host"), for tests to fill and press.
#[derive(Debug)]
pub struct ConnectDialog {
    /// The window.
    pub window: gtk::Window,
    /// Server URL, e.g. `http://192.168.1.20:4500`, or `host:port` (the scheme is probed).
    pub url: gtk::Entry,
    /// User name.
    pub user: gtk::Entry,
    /// Password.
    pub password: gtk::PasswordEntry,
    /// Keep the password in the keyring.
    pub remember: gtk::CheckButton,
    /// The Connect (or Save) button.
    pub connect: gtk::Button,
    /// Why the last try was refused.
    pub error: gtk::Label,
}

/// What the host form does with a URL, a user name, a password and whether to keep it; `Err`
/// says why not, and the form stays open.
pub type OnConnect = Rc<dyn Fn(&str, &str, Zeroizing<String>, bool) -> Result<(), String>>;

/// What the host form starts with.
#[derive(Clone, Debug)]
pub struct HostFields {
    /// The window title.
    pub title: String,
    /// The button's label.
    pub button: String,
    /// The URL.
    pub url: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Zeroizing<String>,
    /// Keep the password in the keyring.
    pub remember: bool,
}

impl Default for HostFields {
    fn default() -> Self {
        Self {
            title: "Add host".into(),
            button: "Add and connect".into(),
            url: String::new(),
            username: psmonitor_core::auth::DEFAULT_USERNAME.into(),
            password: Zeroizing::default(),
            remember: true,
        }
    }
}

/// Opens the empty "Add host" form.
pub fn connect(parent: &impl IsA<gtk::Window>, on_connect: OnConnect) -> ConnectDialog {
    host_form(parent, &HostFields::default(), on_connect)
}

/// Opens the host form filled with `fields`; the button runs `on_submit` and closes it.
pub fn host_form(
    parent: &impl IsA<gtk::Window>,
    fields: &HostFields,
    on_submit: OnConnect,
) -> ConnectDialog {
    let grid = gtk::Grid::builder()
        .row_spacing(8)
        .column_spacing(8)
        .build();
    let url = gtk::Entry::builder()
        .placeholder_text("host:4500 (https is tried first) or http://host:4500")
        .text(fields.url.as_str())
        .hexpand(true)
        .activates_default(true)
        .name("host-url")
        .build();
    let user = gtk::Entry::builder()
        .text(fields.username.as_str())
        .activates_default(true)
        .name("host-user")
        .build();
    let password = gtk::PasswordEntry::builder()
        .show_peek_icon(true)
        .activates_default(true)
        .name("host-password")
        .build();
    password.set_text(&fields.password);
    for (row, (key, widget)) in [
        ("Server URL", url.upcast_ref::<gtk::Widget>()),
        ("Username", user.upcast_ref()),
        ("Password", password.upcast_ref()),
    ]
    .into_iter()
    .enumerate()
    {
        grid.attach(
            &gtk::Label::builder().label(key).xalign(0.0).build(),
            0,
            row as i32,
            1,
            1,
        );
        grid.attach(widget, 1, row as i32, 1, 1);
    }
    let error = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .name("host-error")
        .build();
    error.add_css_class("error");
    let connect = gtk::Button::builder()
        .label(fields.button.as_str())
        .name("host-submit")
        .build();
    connect.add_css_class("suggested-action");
    let cancel = gtk::Button::with_label("Cancel");
    let buttons = gtk::Box::builder()
        .spacing(8)
        .halign(gtk::Align::End)
        .build();
    buttons.append(&cancel);
    buttons.append(&connect);
    let body = vbox();
    body.append(&grid);
    body.append(&error);
    body.append(&buttons);
    let window = dialog(parent, &fields.title, &body);
    window.set_default_widget(Some(&connect));
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    let remember = gtk::CheckButton::builder()
        .label("Keep the password in the keyring (else it is asked at each launch)")
        .active(fields.remember)
        .name("connect-remember")
        .build();
    grid.attach(&remember, 1, 3, 1, 1);
    let (u, n, p, r, e) = (
        url.clone(),
        user.clone(),
        password.clone(),
        remember.clone(),
        error.clone(),
    );
    connect.connect_clicked(move |_| {
        let text = u.text();
        if text.trim().is_empty() {
            e.set_text("Enter the server's address, e.g. 192.168.1.20:4500.");
            return;
        }
        let outcome = on_submit(
            &text,
            n.text().trim(),
            Zeroizing::new(p.text().to_string()),
            r.is_active(),
        );
        match outcome {
            Ok(()) => w.close(),
            Err(why) => e.set_text(&why),
        }
    });
    window.present();
    ConnectDialog {
        window,
        url,
        user,
        password,
        remember,
        connect,
        error,
    }
}

/// Asks before doing something that cannot be undone: `text`, then Cancel or `verb` (red);
/// `confirmed` runs on `verb`. The buttons are named `confirm-cancel` and `confirm-ok`.
pub fn confirm(
    parent: &impl IsA<gtk::Window>,
    title: &str,
    text: &str,
    verb: &str,
    confirmed: impl Fn() + 'static,
) -> gtk::Window {
    let body = vbox();
    body.append(
        &gtk::Label::builder()
            .label(text)
            .wrap(true)
            .xalign(0.0)
            .max_width_chars(56)
            .name("confirm-text")
            .build(),
    );
    let (buttons, cancel, ok) = button_row("Cancel", verb);
    ok.remove_css_class("suggested-action");
    ok.add_css_class("destructive-action");
    ok.set_widget_name("confirm-ok");
    cancel.set_widget_name("confirm-cancel");
    body.append(&buttons);
    let window = dialog(parent, title, &body);
    window.set_modal(true);
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    ok.connect_clicked(move |_| {
        confirmed();
        w.close();
    });
    window.present();
    window
}

/// The open "send a signal?" confirmation, for tests.
#[derive(Debug)]
pub struct SignalDialog {
    /// The window.
    pub window: gtk::Window,
    /// Sends it.
    pub confirm: gtk::Button,
}

/// Asks before sending `signal` to the processes `rows` (one or more); `confirmed` runs on Send.
pub fn confirm_signal(
    parent: &impl IsA<gtk::Window>,
    rows: &[crate::process_list::ProcRow],
    signal: crate::process_list::Signal,
    confirmed: impl Fn() + 'static,
) -> SignalDialog {
    let body = vbox();
    let what = signal.label().to_lowercase();
    let question = match rows {
        [row] => format!(
            "Send {what} (SIG{}) to \u{201c}{}\u{201d}, process {} of {}? This {}.",
            signal.name(),
            row.name,
            row.pid,
            row.user,
            signal.effect()
        ),
        _ => {
            let list: Vec<String> = rows
                .iter()
                .map(|r| format!("\u{201c}{}\u{201d} ({}, {})", r.name, r.pid, r.user))
                .collect();
            format!(
                "Send {what} (SIG{}) to these {} processes: {}? For each, this {}.",
                signal.name(),
                rows.len(),
                list.join(", "),
                signal.effect()
            )
        }
    };
    body.append(
        &gtk::Label::builder()
            .label(question)
            .wrap(true)
            .xalign(0.0)
            .max_width_chars(56)
            .name("signal-text")
            .build(),
    );
    let (buttons, cancel, confirm) = button_row("Cancel", signal.label());
    if matches!(
        signal,
        crate::process_list::Signal::Kill | crate::process_list::Signal::Terminate
    ) {
        confirm.remove_css_class("suggested-action");
        confirm.add_css_class("destructive-action");
    }
    confirm.set_widget_name("signal-confirm");
    body.append(&buttons);
    let title = match rows {
        [row] => format!("{} {}?", signal.label(), row.name),
        _ => format!("{} {} processes?", signal.label(), rows.len()),
    };
    let window = dialog(parent, &title, &body);
    window.set_modal(true);
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    confirm.connect_clicked(move |_| {
        confirmed();
        w.close();
    });
    window.present();
    SignalDialog { window, confirm }
}
