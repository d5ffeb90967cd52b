//! Small windows: view credentials, the log, About, and "Connect to host…".

use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;
use zeroize::Zeroizing;

use crate::embedded::Credentials;
use crate::logging::LogBuffer;

pub(crate) fn dialog(
    parent: &impl IsA<gtk::Window>,
    title: &str,
    child: &impl IsA<gtk::Widget>,
) -> gtk::Window {
    gtk::Window::builder()
        .title(title)
        .transient_for(parent)
        .modal(false)
        .child(child)
        .build()
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

/// A read-only entry with a Copy button.
fn copy_row(grid: &gtk::Grid, row: i32, key: &str, value: &str, name: &str) {
    let label = gtk::Label::builder().label(key).xalign(0.0).build();
    let entry = gtk::Entry::builder()
        .text(value)
        .editable(false)
        .hexpand(true)
        .width_chars(36)
        .name(name)
        .build();
    let copy = gtk::Button::with_label("Copy");
    let text = value.to_owned();
    copy.connect_clicked(move |b| b.clipboard().set_text(&text));
    grid.attach(&label, 0, row, 1, 1);
    grid.attach(&entry, 1, row, 1, 1);
    grid.attach(&copy, 2, row, 1, 1);
}

/// Shows the embedded server's URL, username and password (`None`: not running), each copyable.
pub fn credentials(
    parent: &impl IsA<gtk::Window>,
    login: Option<(String, Credentials)>,
) -> gtk::Window {
    let grid = gtk::Grid::builder()
        .row_spacing(8)
        .column_spacing(8)
        .build();
    let body = vbox();
    match login {
        Some((url, creds)) => {
            copy_row(&grid, 0, "Server", &url, "cred-url");
            copy_row(&grid, 1, "Username", &creds.username, "cred-user");
            copy_row(&grid, 2, "Password", &creds.password, "cred-password");
            body.append(&grid);
            let hint = gtk::Label::builder()
                .label("Other PSMonitor clients log in to this computer with these.")
                .wrap(true)
                .xalign(0.0)
                .build();
            hint.add_css_class("dim-label");
            body.append(&hint);
        }
        None => body.append(&gtk::Label::new(Some(
            "The embedded server is not running or its password is not known, so there are no \
             credentials to show.",
        ))),
    }
    let w = dialog(parent, "PSMonitor credentials", &body);
    w.present();
    w
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
    let svg = glib::Bytes::from_static(include_bytes!("../../data/psmonitor.svg"));
    match gtk::gdk::Texture::from_bytes(&svg) {
        Ok(logo) => about.set_logo(Some(&logo)),
        Err(_) => about.set_logo_icon_name(Some("psmonitor")),
    }
    about.present();
}

/// The "Connect to host…" form; Connect opens a window for that host.
#[derive(Debug)]
pub struct ConnectDialog {
    /// The window.
    pub window: gtk::Window,
    /// Server URL, e.g. `http://192.168.1.20:4500`.
    pub url: gtk::Entry,
    /// User name.
    pub user: gtk::Entry,
    /// Password.
    pub password: gtk::PasswordEntry,
    /// Keep the password in the keyring.
    pub remember: gtk::CheckButton,
    /// The Connect button.
    pub connect: gtk::Button,
}

/// What the connect form does with a URL, a user name, a password and whether to keep it.
pub type OnConnect = Rc<dyn Fn(&str, &str, Zeroizing<String>, bool)>;

/// Opens the connect form; Connect runs `on_connect` and closes it.
pub fn connect(parent: &impl IsA<gtk::Window>, on_connect: OnConnect) -> ConnectDialog {
    let grid = gtk::Grid::builder()
        .row_spacing(8)
        .column_spacing(8)
        .build();
    let url = gtk::Entry::builder()
        .placeholder_text("http://host:4500")
        .hexpand(true)
        .activates_default(true)
        .build();
    let user = gtk::Entry::builder()
        .text("PSMonitor")
        .activates_default(true)
        .build();
    let password = gtk::PasswordEntry::builder()
        .show_peek_icon(true)
        .activates_default(true)
        .build();
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
    let error = gtk::Label::builder().xalign(0.0).wrap(true).build();
    error.add_css_class("error");
    let connect = gtk::Button::with_label("Add and connect");
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
    let window = dialog(parent, "Add host", &body);
    window.set_default_widget(Some(&connect));
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    let remember = gtk::CheckButton::builder()
        .label("Keep the password in the keyring (else it is asked at each launch)")
        .active(true)
        .name("connect-remember")
        .build();
    grid.attach(&remember, 1, 3, 1, 1);
    let (u, n, p, r) = (
        url.clone(),
        user.clone(),
        password.clone(),
        remember.clone(),
    );
    connect.connect_clicked(move |_| {
        let text = u.text();
        if text.trim().is_empty() {
            error.set_text("Enter the server's address, e.g. http://192.168.1.20:4500.");
            return;
        }
        on_connect(
            &text,
            &n.text(),
            Zeroizing::new(p.text().to_string()),
            r.is_active(),
        );
        w.close();
    });
    window.present();
    ConnectDialog {
        window,
        url,
        user,
        password,
        remember,
        connect,
    }
}

/// The open "send a signal?" confirmation, for tests.
#[derive(Debug)]
pub struct SignalDialog {
    /// The window.
    pub window: gtk::Window,
    /// Sends it.
    pub confirm: gtk::Button,
}

/// Asks before sending `signal` to the process `row`; `confirmed` runs on Send.
pub fn confirm_signal(
    parent: &impl IsA<gtk::Window>,
    row: &crate::process_list::ProcRow,
    signal: crate::process_list::Signal,
    confirmed: impl Fn() + 'static,
) -> SignalDialog {
    let body = vbox();
    body.append(
        &gtk::Label::builder()
            .label(format!(
                "Send {} (SIG{}) to \u{201c}{}\u{201d}, process {} of {}? This {}.",
                signal.label().to_lowercase(),
                signal.name(),
                row.name,
                row.pid,
                row.user,
                signal.effect()
            ))
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
    let window = dialog(parent, &format!("{} {}?", signal.label(), row.name), &body);
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
