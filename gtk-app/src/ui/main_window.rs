//! The one main window (an `AdwApplicationWindow`): a header bar with the hosts list (this
//! computer first, each with its state), an Add host button, the selected host's page switcher
//! and the menu; below, the selected host's pane, under a toast overlay for the transient
//! messages (saved, copied, host removed, signal sent). Switching hosts keeps the window.

use std::cell::RefCell;
use std::rc::Rc;

use adw::prelude::*;
use gtk::{gio, glib};

use crate::ui::host_pane::HostPane;

/// The main window and its hosts.
#[derive(Debug)]
pub struct MainWindow {
    /// The window.
    pub window: adw::ApplicationWindow,
    /// Where the transient messages show.
    pub toasts: adw::ToastOverlay,
    /// The hosts list.
    pub hosts: gtk::DropDown,
    names: gtk::StringList,
    stack: gtk::Stack,
    switcher_slot: gtk::Box,
    panes: RefCell<Vec<Rc<HostPane>>>,
}

fn menu() -> gio::Menu {
    let menu = gio::Menu::new();
    let hosts = gio::Menu::new();
    hosts.append(Some("Add host…"), Some("app.connect"));
    hosts.append(Some("Edit this host…"), Some("app.edit-host"));
    hosts.append(Some("Remove this host"), Some("app.remove-host"));
    menu.append_section(None, &hosts);
    let tools = gio::Menu::new();
    tools.append(Some("Preferences"), Some("app.preferences"));
    tools.append(Some("Server settings"), Some("app.settings"));
    tools.append(Some("View credentials"), Some("app.credentials"));
    tools.append(Some("Open log"), Some("app.log"));
    tools.append(Some("Keyboard shortcuts"), Some("app.shortcuts"));
    menu.append_section(None, &tools);
    let end = gio::Menu::new();
    end.append(Some("About PSMonitor"), Some("app.about"));
    end.append(Some("Quit"), Some("app.quit"));
    menu.append_section(None, &end);
    menu
}

impl MainWindow {
    /// An empty window of `width`×`height`.
    pub fn new(app: &gtk::Application, width: i32, height: i32) -> Rc<Self> {
        let window = adw::ApplicationWindow::builder()
            .application(app)
            .title("PSMonitor")
            .default_width(width)
            .default_height(height)
            .icon_name("psmonitor")
            .build();
        let names = gtk::StringList::new(&[]);
        let hosts = gtk::DropDown::builder()
            .model(&names)
            .tooltip_text("Hosts")
            .name("host-switcher")
            .build();
        let add = gtk::Button::builder()
            .icon_name("list-add-symbolic")
            .tooltip_text("Add host…")
            .action_name("app.connect")
            .name("add-host")
            .build();
        let switcher_slot = gtk::Box::new(gtk::Orientation::Horizontal, 0);
        let title = gtk::Box::new(gtk::Orientation::Horizontal, 12);
        title.append(&switcher_slot);
        let menu_button = gtk::MenuButton::builder()
            .icon_name("open-menu-symbolic")
            .menu_model(&menu())
            .tooltip_text("Menu")
            .build();
        let header = adw::HeaderBar::new();
        header.pack_start(&hosts);
        header.pack_start(&add);
        header.pack_end(&menu_button);
        header.set_title_widget(Some(&title));
        let stack = gtk::Stack::builder().name("host-panes").build();
        let toasts = adw::ToastOverlay::new();
        toasts.set_widget_name("toasts");
        toasts.set_vexpand(true);
        let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
        content.append(&header);
        content.append(&toasts);
        window.set_content(Some(&content));
        let this = Rc::new(Self {
            window,
            toasts,
            hosts,
            names,
            stack,
            switcher_slot,
            panes: RefCell::new(Vec::new()),
        });
        let weak = Rc::downgrade(&this);
        this.hosts.connect_selected_notify(move |d| {
            if let Some(this) = weak.upgrade() {
                this.show(d.selected() as usize);
            }
        });
        this
    }

    /// Shows the window in the next main-loop iteration with its header bar, and its content in
    /// the one after: building the window, realizing it, and styling and laying out every
    /// widget of the hosts' pages are then three short stretches of work, not one long stall.
    pub fn present(&self) {
        let (window, toasts, stack) = (
            self.window.downgrade(),
            self.toasts.downgrade(),
            self.stack.clone(),
        );
        glib::idle_add_local_once(move || {
            let Some(window) = window.upgrade() else {
                return;
            };
            window.present();
            glib::idle_add_local_once(move || {
                if let Some(toasts) = toasts.upgrade() {
                    toasts.set_child(Some(&stack));
                }
            });
        });
    }

    /// Shows `text` for a few seconds over the window's content.
    pub fn toast(&self, text: &str) {
        show_toast(&self.toasts, text);
    }

    /// Adds `pane` at the end of the list; it relabels itself as its state changes.
    pub fn add(self: &Rc<Self>, pane: &Rc<HostPane>) {
        self.stack.add_child(&pane.root);
        self.panes.borrow_mut().push(pane.clone());
        self.names.append(&label(pane));
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        pane.set_on_changed(move || {
            if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                this.relabel(&pane);
            }
        });
        if self.panes.borrow().len() == 1 {
            self.show(0);
        }
    }

    /// Removes `pane`; the first host is shown if it was.
    pub fn remove(&self, pane: &Rc<HostPane>) {
        let at = self.position(pane);
        if let Some(at) = at {
            let shown = self.hosts.selected() as usize == at;
            self.panes.borrow_mut().remove(at);
            self.names.remove(at as u32);
            self.stack.remove(&pane.root);
            if shown {
                self.hosts.set_selected(0);
                self.show(0);
            }
        }
    }

    /// Shows `pane`.
    pub fn select(&self, pane: &Rc<HostPane>) {
        if let Some(at) = self.position(pane) {
            self.hosts.set_selected(at as u32);
            self.show(at);
        }
    }

    /// The pane shown.
    pub fn selected(&self) -> Option<Rc<HostPane>> {
        self.panes
            .borrow()
            .get(self.hosts.selected() as usize)
            .cloned()
    }

    /// The hosts list as shown, e.g. `["This computer (thinkpad) · live", ...]`.
    pub fn host_labels(&self) -> Vec<String> {
        (0..self.names.n_items())
            .filter_map(|i| self.names.string(i).map(|s| s.to_string()))
            .collect()
    }

    fn position(&self, pane: &Rc<HostPane>) -> Option<usize> {
        self.panes.borrow().iter().position(|p| Rc::ptr_eq(p, pane))
    }

    fn show(&self, at: usize) {
        let Some(pane) = self.panes.borrow().get(at).cloned() else {
            return;
        };
        self.stack.set_visible_child(&pane.root);
        while let Some(child) = self.switcher_slot.first_child() {
            self.switcher_slot.remove(&child);
        }
        self.switcher_slot.append(&pane.view.borrow().switcher);
        self.window
            .set_title(Some(&format!("PSMonitor - {}", pane.host_name())));
    }

    fn relabel(&self, pane: &Rc<HostPane>) {
        let Some(at) = self.position(pane) else {
            return;
        };
        let text = label(pane);
        if self.names.string(at as u32).as_deref() != Some(text.as_str()) {
            let selected = self.hosts.selected();
            self.names.splice(at as u32, 1, &[text.as_str()]);
            self.hosts.set_selected(selected);
        }
        if self.hosts.selected() as usize == at {
            let title = format!("PSMonitor - {}", pane.host_name());
            if self.window.title().as_deref() != Some(title.as_str()) {
                self.window.set_title(Some(&title));
            }
        }
    }
}

/// Shows `text` for a few seconds in `overlay`.
pub fn show_toast(overlay: &adw::ToastOverlay, text: &str) {
    let toast = adw::Toast::new(text);
    toast.set_timeout(4);
    overlay.add_toast(toast);
}

/// The texts of the toasts `root` shows now (tests).
pub fn toasts_shown(root: &impl IsA<gtk::Widget>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.as_ref().clone()];
    while let Some(w) = stack.pop() {
        if w.css_name() == "toast" {
            let mut inner = vec![w.clone()];
            while let Some(c) = inner.pop() {
                if let Some(l) = c.downcast_ref::<gtk::Label>() {
                    out.push(l.text().to_string());
                }
                let mut child = c.first_child();
                while let Some(ch) = child {
                    child = ch.next_sibling();
                    inner.push(ch);
                }
            }
            continue;
        }
        let mut child = w.first_child();
        while let Some(ch) = child {
            child = ch.next_sibling();
            stack.push(ch);
        }
    }
    out
}

/// `This computer (name) · live` or `name · reconnecting`.
fn label(pane: &HostPane) -> String {
    let name = match pane.url() {
        None => format!("This computer ({})", pane.host_name()),
        Some(url) => {
            let host = pane.host_name();
            if host == url {
                url
            } else {
                format!("{host} ({url})")
            }
        }
    };
    format!("{name} · {}", pane.state().label())
}
