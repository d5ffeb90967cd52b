//! Styling: libadwaita's stylesheet (its style manager follows the system's light or dark
//! preference through the settings portal), plus the banner colours.

use gtk::gdk;

const CSS: &str = "
.banner { padding: 8px 12px; }
.banner.warning { background-color: alpha(#f5c211, 0.35); }
.banner.error { background-color: alpha(#e01b24, 0.25); }
.heading { font-weight: bold; }
levelbar block.filled { background-color: #3584e4; }
";

/// Starts libadwaita (its stylesheet and style manager) and installs the CSS.
pub fn install() {
    if let Err(e) = adw::init() {
        tracing::warn!("libadwaita did not start: {e}");
    }
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
}
