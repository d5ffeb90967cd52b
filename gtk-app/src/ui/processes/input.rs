//! What the user does on the page: search, sort and tree changes, header clicks, the signal menu
//! (right-click), its actions, and the keys (Delete, Alt+Return).

use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gdk, gio, glib};

use super::ProcessPage;
use crate::process_list::Signal;

pub(super) fn signal_menu() -> gio::Menu {
    let menu = gio::Menu::new();
    let signals = gio::Menu::new();
    for s in Signal::ALL {
        let item = gio::MenuItem::new(Some(s.label()), None);
        item.set_action_and_target_value(Some("proc.signal"), Some(&s.name().to_variant()));
        signals.append_item(&item);
    }
    menu.append_section(None, &signals);
    let more = gio::Menu::new();
    more.append(Some("Details and priority…"), Some("proc.details"));
    menu.append_section(None, &more);
    menu
}

impl ProcessPage {
    /// Wires the bar, the header, the menu's actions and the keys.
    pub(super) fn connect(&self) {
        let i = &self.inner;
        if i.menu.is_some() {
            // Right-click: select the row under the pointer and open the signal menu there. One
            // gesture on the table, not one per cell: rows come and go every second.
            let click = gtk::GestureClick::builder()
                .button(3)
                .propagation_phase(gtk::PropagationPhase::Capture)
                .build();
            let weak = Rc::downgrade(&self.inner);
            click.connect_pressed(move |_, _, x, y| {
                if let Some(inner) = weak.upgrade() {
                    ProcessPage { inner }.menu_at(x, y);
                }
            });
            i.view.add_controller(click);
        }
        // Rows scrolled to are brought up to date before they are drawn.
        if let Some(adj) = i.view.vadjustment() {
            let weak = Rc::downgrade(&self.inner);
            adj.connect_value_changed(move |_| {
                if let Some(inner) = weak.upgrade() {
                    ProcessPage { inner }.write_on_screen();
                }
            });
        }
        let weak = Rc::downgrade(&self.inner);
        let again = move || {
            if let Some(inner) = weak.upgrade() {
                let page = ProcessPage { inner };
                page.show_sort_in_header(page.sort());
                page.show_direction();
                page.rearrange();
                (page.inner.callbacks.on_sort)(page.sort());
            }
        };
        let a = again.clone();
        i.search.connect_search_changed(move |_| a());
        let a = again.clone();
        i.sort_key.connect_selected_notify(move |_| a());
        let a = again.clone();
        i.tree.connect_toggled(move |_| a());
        i.descending.connect_toggled(move |_| again());
        if i.menu.is_some() {
            // Delete ends the selected process, after the same confirmation as the menu.
            let weak = Rc::downgrade(&self.inner);
            let terminate = gtk::CallbackAction::new(move |_, _| {
                let Some(inner) = weak.upgrade() else {
                    return glib::Propagation::Proceed;
                };
                let page = ProcessPage { inner };
                let rows = page.selected_rows();
                if rows.is_empty() {
                    return glib::Propagation::Proceed;
                }
                (page.inner.callbacks.on_signal)(rows, Signal::Terminate, page.clone());
                glib::Propagation::Stop
            });
            let keys = gtk::ShortcutController::new();
            keys.add_shortcut(gtk::Shortcut::new(
                gtk::ShortcutTrigger::parse_string("Delete|KP_Delete"),
                Some(terminate),
            ));
            // Alt+Return: the details, as in GNOME System Monitor.
            keys.add_shortcut(gtk::Shortcut::new(
                gtk::ShortcutTrigger::parse_string("<Alt>Return"),
                Some(gtk::NamedAction::new("proc.details")),
            ));
            i.view.add_controller(keys);
        }
        // A click on a column header sorts by it; a second click turns the arrow around.
        if let Some(sorter) = i.view.sorter() {
            let weak = Rc::downgrade(&self.inner);
            sorter.connect_changed(move |_, _| {
                let Some(inner) = weak.upgrade() else { return };
                if inner.syncing.get() {
                    return;
                }
                let page = ProcessPage { inner };
                if let Some(sort) = page.header_sort()
                    && sort != page.sort()
                {
                    page.set_sort(sort);
                }
            });
        }
        let weak = Rc::downgrade(&self.inner);
        let action = gio::SimpleAction::new("signal", Some(glib::VariantTy::STRING));
        action.set_enabled(i.menu.is_some());
        action.connect_activate(move |_, param| {
            let Some(inner) = weak.upgrade() else { return };
            let signal = param.and_then(|p| p.str()).and_then(Signal::parse);
            let page = ProcessPage {
                inner: inner.clone(),
            };
            let rows = page.selected_rows();
            if let Some(signal) = signal
                && !rows.is_empty()
            {
                (inner.callbacks.on_signal)(rows, signal, page);
            }
        });
        let weak = Rc::downgrade(&self.inner);
        let details = gio::SimpleAction::new("details", None);
        details.set_enabled(i.menu.is_some());
        details.connect_activate(move |_, _| {
            let Some(inner) = weak.upgrade() else { return };
            let row = ProcessPage {
                inner: inner.clone(),
            }
            .selected();
            if let Some(row) = row {
                (inner.callbacks.on_details)(row);
            }
        });
        let group = gio::SimpleActionGroup::new();
        group.add_action(&action);
        group.add_action(&details);
        i.root.insert_action_group("proc", Some(&group));
        let weak = Rc::downgrade(&self.inner);
        i.root.connect_map(move |_| {
            if let Some(inner) = weak.upgrade() {
                ProcessPage { inner }.rearrange();
            }
        });
    }

    /// What a right-click at (`x`, `y`) in the table does: selects the process there and opens
    /// the signal menu on it; returns its pid (`None`: no row there, or no menu).
    pub fn menu_at(&self, x: f64, y: f64) -> Option<u32> {
        let i = &self.inner;
        let menu = i.menu.as_ref()?;
        let mut at = i.view.pick(x, y, gtk::PickFlags::DEFAULT);
        let pid = loop {
            let w = at?;
            if let Some(pid) = w
                .widget_name()
                .strip_prefix("pid-")
                .and_then(|p| p.parse().ok())
            {
                break pid;
            }
            at = w.parent();
        };
        // A row of a multiple selection keeps the selection; another row is selected alone.
        let already = self.selected_rows().iter().any(|r| r.pid == pid);
        if !already && !self.select_pid(pid) {
            return None;
        }
        menu.set_pointing_to(Some(&gdk::Rectangle::new(x as i32, y as i32, 1, 1)));
        menu.popup();
        Some(pid)
    }

    /// The signal menu, while open.
    pub fn menu_open(&self) -> bool {
        self.inner.menu.as_ref().is_some_and(|m| m.is_visible())
    }
}
