//! "Trust this server?": shown the first time a remote host presents a certificate that nothing
//! vouches for. It gets what to show and what to do on Trust; it knows nothing of the controller.

use gtk::prelude::*;
use psmonitor_client::Fingerprint;

use crate::ui::dialogs::{dialog, vbox};

/// The open dialog, for tests to read and press.
#[derive(Debug)]
pub struct TrustDialog {
    /// The window.
    pub window: gtk::Window,
    /// The fingerprint as shown.
    pub fingerprint: gtk::Label,
    /// Trusts the certificate and connects.
    pub trust: gtk::Button,
    /// Closes without trusting.
    pub cancel: gtk::Button,
}

/// Asks whether to trust the certificate with `fingerprint` that `server` presented; `on_trust`
/// runs when the user says yes.
pub fn ask(
    parent: &impl IsA<gtk::Window>,
    server: &str,
    fingerprint: Fingerprint,
    on_trust: impl Fn() + 'static,
) -> TrustDialog {
    let body = vbox();
    let intro = gtk::Label::builder()
        .label(format!(
            "{server} presents a certificate that no authority vouches for (a self-signed one, \
             most likely). Compare its fingerprint with what `psmonitor tls fingerprint` prints \
             on that host. Trust it only if they match: this computer then remembers it."
        ))
        .wrap(true)
        .xalign(0.0)
        .max_width_chars(60)
        .build();
    let fingerprint = gtk::Label::builder()
        .label(fingerprint.to_string())
        .selectable(true)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::Char)
        .xalign(0.0)
        .max_width_chars(48)
        .name("trust-fingerprint")
        .build();
    fingerprint.add_css_class("monospace");
    let trust = gtk::Button::builder()
        .label("Trust and connect")
        .name("trust-accept")
        .build();
    trust.add_css_class("suggested-action");
    let cancel = gtk::Button::builder()
        .label("Cancel")
        .name("trust-cancel")
        .build();
    let buttons = gtk::Box::builder()
        .spacing(8)
        .halign(gtk::Align::End)
        .build();
    buttons.append(&cancel);
    buttons.append(&trust);
    body.append(&intro);
    body.append(
        &gtk::Label::builder()
            .label("SHA-256 fingerprint:")
            .xalign(0.0)
            .build(),
    );
    body.append(&fingerprint);
    body.append(&buttons);
    let window = dialog(parent, "Trust this server's certificate?", &body);
    window.set_modal(true);
    let w = window.clone();
    cancel.connect_clicked(move |_| w.close());
    let w = window.clone();
    trust.connect_clicked(move |_| {
        on_trust();
        w.close();
    });
    window.present();
    TrustDialog {
        window,
        fingerprint,
        trust,
        cancel,
    }
}
