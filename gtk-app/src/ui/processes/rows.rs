//! The rows: filtered and sorted into the table's slots, and the selection kept on the same
//! processes wherever they move.

use gtk::glib;
use gtk::prelude::*;

use super::ProcessPage;
use super::columns::{COLUMNS, show};
use crate::process_list::{ProcRow, arrange, arrange_tree};

impl ProcessPage {
    /// Replaces the rows (shown at once when the page is on screen).
    pub fn set_rows(&self, rows: Vec<ProcRow>) {
        self.inner.rows.replace(rows);
        if self.is_mapped() {
            self.rearrange();
        }
    }

    /// Filters and sorts the rows into the table, keeping the selected process selected.
    pub fn rearrange(&self) {
        let i = &self.inner;
        let keep: Vec<u32> = self.selected_rows().iter().map(|r| r.pid).collect();
        let shown = if i.tree.is_active() {
            arrange_tree(&i.rows.borrow(), &i.search.text(), self.sort())
        } else {
            arrange(&i.rows.borrow(), &i.search.text(), self.sort())
        };
        if *i.shown.borrow() != shown {
            let (old_len, new_len) = (i.shown.borrow().len(), shown.len());
            let changed: Vec<usize> = i
                .shown
                .borrow()
                .iter()
                .zip(&shown)
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(at, _)| at)
                .collect();
            i.shown.replace(shown);
            {
                let shown = i.shown.borrow();
                let cells = i.cells.borrow();
                for at in changed {
                    let (Some(row), Some(labels)) = (shown.get(at), cells.get(at)) else {
                        continue;
                    };
                    for (label, (_, _, text, _)) in labels.iter().zip(COLUMNS) {
                        if let Some(label) = label {
                            show(label, &text(row), row.pid);
                        }
                    }
                }
            }
            if new_len > old_len {
                i.cells.borrow_mut().resize_with(new_len, Default::default);
                let slots: Vec<glib::BoxedAnyObject> =
                    (old_len..new_len).map(glib::BoxedAnyObject::new).collect();
                i.store.splice(old_len as u32, 0, &slots);
            } else if new_len < old_len {
                i.store.splice(
                    new_len as u32,
                    (old_len - new_len) as u32,
                    &[] as &[glib::Object],
                );
                i.cells.borrow_mut().truncate(new_len);
            }
            // The selected processes stay selected wherever they moved.
            i.selection.unselect_all();
            for (at, row) in i.shown.borrow().iter().enumerate() {
                if keep.contains(&row.pid) {
                    i.selection.select_item(at as u32, false);
                }
            }
        }
        let total = i.rows.borrow().len();
        let n = i.shown.borrow().len();
        let text = if n == total {
            format!("{total} processes")
        } else {
            format!("{n} of {total} processes")
        };
        if i.count.text() != text {
            i.count.set_text(&text);
        }
    }

    /// The rows in display order.
    pub fn displayed(&self) -> Vec<ProcRow> {
        self.inner.shown.borrow().clone()
    }

    /// The first selected row.
    pub fn selected(&self) -> Option<ProcRow> {
        self.selected_rows().into_iter().next()
    }

    /// Every selected row, in display order.
    pub fn selected_rows(&self) -> Vec<ProcRow> {
        let i = &self.inner;
        i.shown
            .borrow()
            .iter()
            .enumerate()
            .filter(|(at, _)| i.selection.is_selected(*at as u32))
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// Selects only the shown row of `pid`; false if it is not shown.
    pub fn select_pid(&self, pid: u32) -> bool {
        let at = self.inner.shown.borrow().iter().position(|r| r.pid == pid);
        if let Some(at) = at {
            self.inner.selection.select_item(at as u32, true);
        }
        at.is_some()
    }

    /// Adds the shown row of `pid` to the selection (Ctrl+click); false if it is not shown.
    pub fn add_pid_to_selection(&self, pid: u32) -> bool {
        let at = self.inner.shown.borrow().iter().position(|r| r.pid == pid);
        if let Some(at) = at {
            self.inner.selection.select_item(at as u32, false);
        }
        at.is_some()
    }
}
