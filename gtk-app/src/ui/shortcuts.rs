//! The keyboard shortcuts window (Ctrl+?), as GNOME apps show it.

use gtk::prelude::*;

/// Every shortcut the app has: (accelerator, what it does), by section.
pub const SHORTCUTS: &[(&str, &[(&str, &str)])] = &[
    (
        "General",
        &[
            ("<Control>q", "Quit"),
            ("<Control>comma", "Preferences"),
            ("<Control>question", "Keyboard shortcuts"),
            ("Escape", "Close a dialog"),
        ],
    ),
    (
        "Hosts",
        &[("<Control>o", "Add host"), ("<Control>e", "Edit this host")],
    ),
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The window's definition (GtkShortcutsWindow is built from UI XML).
fn ui() -> String {
    let mut groups = String::new();
    for (title, items) in SHORTCUTS {
        groups.push_str(&format!(
            "<child><object class=\"GtkShortcutsGroup\"><property name=\"title\">{}</property>",
            escape(title)
        ));
        for (accel, what) in *items {
            groups.push_str(&format!(
                "<child><object class=\"GtkShortcutsShortcut\">\
                 <property name=\"accelerator\">{}</property>\
                 <property name=\"title\">{}</property></object></child>",
                escape(accel),
                escape(what)
            ));
        }
        groups.push_str("</object></child>");
    }
    format!(
        "<interface><object class=\"GtkShortcutsWindow\" id=\"shortcuts\">\
         <property name=\"modal\">true</property>\
         <child><object class=\"GtkShortcutsSection\">\
         <property name=\"section-name\">main</property>{groups}</object></child>\
         </object></interface>"
    )
}

/// Opens the shortcuts window over `parent`.
pub fn open(parent: &impl IsA<gtk::Window>) -> gtk::ShortcutsWindow {
    let builder = gtk::Builder::from_string(&ui());
    let window: gtk::ShortcutsWindow = builder
        .object("shortcuts")
        .expect("the shortcuts window's UI defines it");
    window.set_transient_for(Some(parent));
    window.present();
    window
}
