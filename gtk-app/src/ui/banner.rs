//! The banner over a window's content: what went wrong and the buttons that fit.

use std::rc::Rc;

use gtk::prelude::*;

/// Severity of the banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// A problem that fixes itself (reconnecting).
    Warning,
    /// A problem the user must act on.
    Error,
}

/// A revealer holding a text and buttons.
#[derive(Debug)]
pub struct Banner {
    /// The root widget.
    pub root: gtk::Revealer,
    row: gtk::Box,
    label: gtk::Label,
    buttons: gtk::Box,
}

impl Banner {
    /// An empty, hidden banner.
    pub fn new() -> Self {
        let label = gtk::Label::builder()
            .wrap(true)
            .xalign(0.0)
            .hexpand(true)
            .selectable(true)
            .name("banner-text")
            .build();
        let buttons = gtk::Box::builder()
            .spacing(6)
            .valign(gtk::Align::Center)
            .name("banner-buttons")
            .build();
        let row = gtk::Box::builder()
            .spacing(8)
            .css_classes(["banner"])
            .build();
        row.append(&label);
        row.append(&buttons);
        let root = gtk::Revealer::builder()
            .child(&row)
            .reveal_child(false)
            .name("banner")
            .build();
        Self {
            root,
            row,
            label,
            buttons,
        }
    }

    /// Shows `text` with no buttons.
    pub fn show(&self, severity: Severity, text: &str) {
        let (add, remove) = match severity {
            Severity::Warning => ("warning", "error"),
            Severity::Error => ("error", "warning"),
        };
        self.row.remove_css_class(remove);
        self.row.add_css_class(add);
        self.label.set_text(text);
        while let Some(child) = self.buttons.first_child() {
            self.buttons.remove(&child);
        }
        self.root.set_reveal_child(true);
    }

    fn button(&self, label: &str) -> gtk::Button {
        let n = self.actions().len();
        let button = gtk::Button::builder()
            .label(label)
            .name(format!("banner-button-{n}"))
            .build();
        self.buttons.append(&button);
        button
    }

    /// Adds a button that activates the action `action` (e.g. `app.settings`).
    pub fn add_action_name(&self, label: &str, action: &str) {
        self.button(label).set_action_name(Some(action));
    }

    /// Adds a button that runs `run`.
    pub fn add_action(&self, label: &str, run: Rc<dyn Fn()>) {
        self.button(label).connect_clicked(move |_| run());
    }

    /// Hides the banner.
    pub fn hide(&self) {
        self.root.set_reveal_child(false);
    }

    /// The text while shown.
    pub fn text(&self) -> Option<String> {
        self.root
            .reveals_child()
            .then(|| self.label.text().to_string())
    }

    /// The buttons' labels while shown, in order.
    pub fn actions(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut child = self.buttons.first_child();
        while let Some(c) = child {
            if let Some(b) = c.downcast_ref::<gtk::Button>() {
                out.push(b.label().unwrap_or_default().to_string());
            }
            child = c.next_sibling();
        }
        out
    }

    /// Clicks the button labelled `label` (tests, keyboard activation); false if there is none.
    pub fn activate(&self, label: &str) -> bool {
        let mut child = self.buttons.first_child();
        while let Some(c) = child {
            if let Some(b) = c.downcast_ref::<gtk::Button>()
                && b.label().as_deref() == Some(label)
            {
                b.emit_clicked();
                return true;
            }
            child = c.next_sibling();
        }
        false
    }
}

impl Default for Banner {
    fn default() -> Self {
        Self::new()
    }
}
