//! The table's columns: what each shows of a row, and the cells bound to the store's slots (a
//! changed row is written into the labels that show it).

use std::rc::Rc;

use gtk::glib;
use gtk::prelude::*;

use super::ProcessPage;
use crate::process_list::{ProcRow, SortKey};

pub(super) type Text = fn(&ProcRow) -> String;

pub(super) const COLUMNS: [(&str, &str, Text, bool); 7] = [
    ("PID", "col-pid", |p| p.pid.to_string(), true),
    ("Name", "col-name", |p| tree_name(p), false),
    ("Command", "col-command", |p| clip(&p.command), false),
    ("User", "col-user", |p| p.user.clone(), false),
    (
        "CPU",
        "col-cpu",
        |p| p.cpu.map_or("–".into(), |c| format!("{c:.1} %")),
        true,
    ),
    (
        "Memory",
        "col-mem",
        |p| format!("{:.1} MiB", p.mem_mib),
        true,
    ),
    ("Threads", "col-threads", |p| p.threads.to_string(), true),
];

/// The most characters of a command line a cell shows: wider than any screen's column, and
/// shaping a label costs in proportion to its text (some command lines run to kilobytes).
const COMMAND_CHARS: usize = 300;

/// `command` cut to [`COMMAND_CHARS`] (the cell ellipsizes it anyway).
fn clip(command: &str) -> String {
    match command.char_indices().nth(COMMAND_CHARS) {
        Some((at, _)) => format!("{}…", &command[..at]),
        None => command.to_owned(),
    }
}

/// Each column's width at first, in pixels (the user may drag it). A fixed width spares GTK
/// measuring every cell of the column after each change; Command takes the room left over.
fn width_of(name: &str) -> i32 {
    match name {
        "col-pid" => 80,
        "col-name" => 170,
        "col-command" => 240,
        "col-user" => 110,
        "col-mem" => 100,
        _ => 80,
    }
}

/// The name, indented by its depth in the process tree.
fn tree_name(p: &ProcRow) -> String {
    if p.depth == 0 {
        p.name.clone()
    } else {
        format!("{}\u{2514} {}", "   ".repeat(p.depth as usize - 1), p.name)
    }
}

/// The store holds one item per shown row, a slot number: position `n` always shows row `n`.
/// Rows change in place (their labels are rewritten) instead of being replaced, because GTK 4.8
/// builds a new row widget for every replaced item, and that is what a busy process table costs.
pub(super) fn slot_of(obj: &glib::Object) -> Option<usize> {
    obj.downcast_ref::<glib::BoxedAnyObject>()
        .map(|b| *b.borrow::<usize>())
}

pub(super) fn show(label: &gtk::Label, text: &str, pid: u32) {
    if label.text() != text {
        label.set_text(text);
    }
    // The right-click handler finds the row under the pointer by this name.
    let name = format!("pid-{pid}");
    if label.widget_name() != name {
        label.set_widget_name(&name);
    }
}

impl ProcessPage {
    /// Adds the columns, their cell factories and the header sorters.
    pub(super) fn add_columns(&self) {
        let i = &self.inner;
        for (col, (title, name, text, numeric)) in COLUMNS.into_iter().enumerate() {
            let factory = gtk::SignalListItemFactory::new();
            factory.connect_setup(move |_, item| {
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                let label = gtk::Label::builder()
                    .xalign(if numeric { 1.0 } else { 0.0 })
                    .ellipsize(gtk::pango::EllipsizeMode::End)
                    .build();
                item.set_child(Some(&label));
            });
            let weak = Rc::downgrade(&self.inner);
            factory.connect_bind(move |_, item| {
                let Some(inner) = weak.upgrade() else { return };
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                let slot = item.item().and_then(|o| slot_of(&o));
                let label = item.child().and_then(|c| c.downcast::<gtk::Label>().ok());
                let (Some(slot), Some(label)) = (slot, label) else {
                    return;
                };
                if let Some(row) = inner.shown.borrow().get(slot) {
                    show(&label, &text(row), row.pid);
                }
                if let Some(cells) = inner.cells.borrow_mut().get_mut(slot) {
                    cells[col] = Some(label);
                }
            });
            let weak = Rc::downgrade(&self.inner);
            factory.connect_unbind(move |_, item| {
                let Some(inner) = weak.upgrade() else { return };
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                let slot = item.item().and_then(|o| slot_of(&o));
                let label = item.child().and_then(|c| c.downcast::<gtk::Label>().ok());
                if let (Some(slot), Some(label)) = (slot, label)
                    && let Some(cells) = inner.cells.borrow_mut().get_mut(slot)
                    && cells[col].as_ref() == Some(&label)
                {
                    cells[col] = None;
                }
            });
            let column = gtk::ColumnViewColumn::builder()
                .title(title)
                .factory(&factory)
                .resizable(true)
                .expand(name == "col-command")
                .fixed_width(width_of(name))
                .build();
            if let Some(key) = SortKey::ALL.into_iter().find(|k| k.label() == title) {
                // The page sorts its rows itself; this sorter only tells which header is the
                // sort column when the header's sorter asks it (see `header_sort`).
                let probe = i.probe.clone();
                let sorter = gtk::CustomSorter::new(move |_, _| {
                    probe.set(Some(key));
                    gtk::Ordering::Larger
                });
                column.set_sorter(Some(&sorter));
                i.sortable.borrow_mut().push((column.clone(), key));
            }
            i.view.append_column(&column);
        }
    }
}
