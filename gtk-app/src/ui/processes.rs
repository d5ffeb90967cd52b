//! The top-processes table: a `gtk::ColumnView` sortable by any column.

use std::cmp::Ordering;

use gtk::prelude::*;
use gtk::{gio, glib};
use psmonitor_core::wire::ProcessStats;

use crate::format;

/// The columns, in order: title, widget name, text of a row, comparison.
type Text = fn(&ProcessStats) -> String;
type Compare = fn(&ProcessStats, &ProcessStats) -> Ordering;

const COLUMNS: [(&str, &str, Text, Compare); 4] = [
    (
        "PID",
        "col-pid",
        |p| p.pid.to_string(),
        |a, b| a.pid.cmp(&b.pid),
    ),
    (
        "Name",
        "col-name",
        |p| p.name.clone(),
        |a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()),
    ),
    (
        "User",
        "col-user",
        |p| p.username.clone(),
        |a, b| a.username.cmp(&b.username),
    ),
    (
        "Memory (MiB)",
        "col-mem",
        |p| format::mib(p.mem),
        |a, b| a.mem.total_cmp(&b.mem),
    ),
];

/// The table and its models.
#[derive(Debug)]
pub struct ProcessTable {
    /// The root widget.
    pub root: gtk::ColumnView,
    store: gio::ListStore,
    /// The sorted view of the rows, as displayed.
    pub sorted: gtk::SortListModel,
    /// The columns, in display order.
    pub columns: Vec<gtk::ColumnViewColumn>,
    rows: Vec<ProcessStats>,
}

fn row_of(obj: &glib::Object) -> Option<ProcessStats> {
    obj.downcast_ref::<glib::BoxedAnyObject>()
        .map(|b| b.borrow::<ProcessStats>().clone())
}

impl ProcessTable {
    /// Builds an empty table.
    pub fn new() -> Self {
        let store = gio::ListStore::new::<glib::BoxedAnyObject>();
        let sorted = gtk::SortListModel::new(Some(store.clone()), None::<gtk::Sorter>);
        let selection = gtk::NoSelection::new(Some(sorted.clone()));
        let root = gtk::ColumnView::builder()
            .model(&selection)
            .show_column_separators(false)
            .show_row_separators(true)
            .hexpand(true)
            .name("process-table")
            .build();
        let mut columns = Vec::new();
        for (title, name, text, compare) in COLUMNS {
            let factory = gtk::SignalListItemFactory::new();
            let numeric = name == "col-pid" || name == "col-mem";
            factory.connect_setup(move |_, item| {
                if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
                    let label = gtk::Label::builder()
                        .xalign(if numeric { 1.0 } else { 0.0 })
                        .ellipsize(gtk::pango::EllipsizeMode::End)
                        .build();
                    item.set_child(Some(&label));
                }
            });
            factory.connect_bind(move |_, item| {
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                let row = item.item().and_then(|o| row_of(&o));
                if let (Some(row), Some(label)) = (
                    row,
                    item.child().and_then(|c| c.downcast::<gtk::Label>().ok()),
                ) {
                    label.set_text(&text(&row));
                }
            });
            let sorter = gtk::CustomSorter::new(move |a, b| match (row_of(a), row_of(b)) {
                (Some(a), Some(b)) => compare(&a, &b).into(),
                _ => gtk::Ordering::Equal,
            });
            let column = gtk::ColumnViewColumn::builder()
                .title(title)
                .factory(&factory)
                .sorter(&sorter)
                .resizable(true)
                .expand(name == "col-name" || name == "col-user")
                .build();
            root.append_column(&column);
            columns.push(column);
        }
        sorted.set_sorter(root.sorter().as_ref());
        Self {
            root,
            store,
            sorted,
            columns,
            rows: Vec::new(),
        }
    }

    /// Replaces the rows (no-op when unchanged).
    pub fn set_rows(&mut self, rows: &[ProcessStats]) {
        if self.rows == rows {
            return;
        }
        self.rows = rows.to_vec();
        let items: Vec<glib::BoxedAnyObject> = rows
            .iter()
            .map(|r| glib::BoxedAnyObject::new(r.clone()))
            .collect();
        self.store.splice(0, self.store.n_items(), &items);
    }

    /// The rows in display order.
    pub fn displayed(&self) -> Vec<ProcessStats> {
        (0..self.sorted.n_items())
            .filter_map(|i| self.sorted.item(i))
            .filter_map(|o| row_of(&o))
            .collect()
    }
}

impl Default for ProcessTable {
    fn default() -> Self {
        Self::new()
    }
}
