//! Styling: the banner colours, and dark mode following the system.
//!
//! GTK 4.8 has no libadwaita style manager here, so dark mode is
//! `gtk-application-prefer-dark-theme`, set from the freedesktop portal's
//! `org.freedesktop.appearance color-scheme` (1 = prefer dark) when a session bus is present,
//! and updated when the portal reports a change. Without a portal, GTK's own setting (from
//! xsettings or `GTK_THEME=Adwaita:dark`) applies unchanged.

use gtk::prelude::*;
use gtk::{gdk, gio, glib};

const CSS: &str = "
.banner { padding: 8px 12px; }
.banner.warning { background-color: alpha(#f5c211, 0.35); }
.banner.error { background-color: alpha(#e01b24, 0.25); }
.heading { font-weight: bold; }
levelbar block.filled { background-color: #3584e4; }
";

/// Installs the CSS and starts following the system's colour scheme.
pub fn install() {
    let Some(display) = gdk::Display::default() else {
        return;
    };
    let provider = gtk::CssProvider::new();
    provider.load_from_data(CSS);
    gtk::style_context_add_provider_for_display(
        &display,
        &provider,
        gtk::STYLE_PROVIDER_PRIORITY_APPLICATION,
    );
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        follow_portal();
    }
}

/// The colour scheme inside a portal reply, however deeply wrapped in variants and tuples.
pub fn color_scheme(v: &glib::Variant) -> Option<u32> {
    if let Some(u) = v.get::<u32>() {
        return Some(u);
    }
    if let Some(inner) = v.as_variant() {
        return color_scheme(&inner);
    }
    if v.is_container() && v.n_children() > 0 {
        return color_scheme(&v.child_value(v.n_children() - 1));
    }
    None
}

fn apply(scheme: u32) {
    if let Some(settings) = gtk::Settings::default() {
        settings.set_gtk_application_prefer_dark_theme(scheme == 1);
    }
}

fn follow_portal() {
    gio::DBusProxy::for_bus(
        gio::BusType::Session,
        gio::DBusProxyFlags::DO_NOT_AUTO_START_AT_CONSTRUCTION,
        None,
        "org.freedesktop.portal.Desktop",
        "/org/freedesktop/portal/desktop",
        "org.freedesktop.portal.Settings",
        gio::Cancellable::NONE,
        |proxy| {
            let Ok(proxy) = proxy else { return };
            proxy.call(
                "Read",
                Some(&("org.freedesktop.appearance", "color-scheme").to_variant()),
                gio::DBusCallFlags::NONE,
                1000,
                gio::Cancellable::NONE,
                |reply| match reply {
                    Ok(v) => {
                        if let Some(s) = color_scheme(&v) {
                            apply(s);
                        }
                    }
                    Err(e) => tracing::debug!("no colour scheme from the portal: {e}"),
                },
            );
            proxy.connect_local("g-signal", false, |args| {
                let name = args.get(2).and_then(|v| v.get::<String>().ok());
                let params = args.get(3).and_then(|v| v.get::<glib::Variant>().ok());
                if name.as_deref() == Some("SettingChanged")
                    && let Some(params) = params
                    && params.n_children() == 3
                    && params.child_value(0).str() == Some("org.freedesktop.appearance")
                    && params.child_value(1).str() == Some("color-scheme")
                    && let Some(s) = color_scheme(&params.child_value(2))
                {
                    apply(s);
                }
                None
            });
        },
    );
}
