//! The rows: filtered and sorted into the table's slots, and the selection kept on the same
//! processes wherever they move.

use gtk::glib;
use gtk::prelude::*;

use super::ProcessPage;
use super::columns::{COLUMNS, show};
use crate::process_list::{ProcRow, arrange, arrange_tree};

/// Rows rewritten per main-loop iteration while catching up (seven labels each).
const CHUNK: usize = 12;
/// Rows added to the table per main-loop iteration while it grows (GTK builds their widgets).
const GROW: usize = 12;
/// Rows above and below the screen rewritten with it.
const MARGIN: usize = 4;
/// Rows taken as on screen before the table has a size.
const FIRST_ROWS: usize = 40;

impl ProcessPage {
    /// Replaces the rows (shown at once when the page is on screen).
    pub fn set_rows(&self, rows: Vec<ProcRow>) {
        self.inner.rows.replace(rows);
        if self.is_mapped() {
            self.rearrange();
        }
    }

    /// Filters and sorts the rows into the table, keeping the selected processes selected.
    ///
    /// GTK 4.8 keeps about 200 rows of widgets alive however few are on screen, and laying out
    /// a changed label (Pango shaping its text) is what a refresh costs: re-sorted by CPU, most
    /// rows change every time. So only the rows on screen are rewritten at once; the others are
    /// marked stale and caught up a few at a time between frames (or at once when scrolled to),
    /// so that no main-loop iteration does all of it.
    pub fn rearrange(&self) {
        let i = &self.inner;
        let keep: Vec<u32> = self.selected_rows().iter().map(|r| r.pid).collect();
        let shown = if i.tree.is_active() {
            arrange_tree(&i.rows.borrow(), &i.search.text(), self.sort())
        } else {
            arrange(&i.rows.borrow(), &i.search.text(), self.sort())
        };
        if *i.shown.borrow() != shown {
            let new_len = shown.len();
            {
                let old = i.shown.borrow();
                let mut stale = i.stale.borrow_mut();
                stale.extend(
                    old.iter()
                        .zip(&shown)
                        .enumerate()
                        .filter(|(_, (a, b))| a != b)
                        .map(|(at, _)| at),
                );
                stale.retain(|at| *at < new_len);
            }
            i.shown.replace(shown);
            i.cells.borrow_mut().resize_with(new_len, Default::default);
            let in_store = i.store.n_items() as usize;
            if new_len > in_store {
                // GTK builds new rows' widgets at once: a dozen now, a dozen per iteration after.
                self.grow(GROW);
            } else if new_len < in_store {
                i.store.splice(
                    new_len as u32,
                    (in_store - new_len) as u32,
                    &[] as &[glib::Object],
                );
            }
            i.keep.replace(keep.clone());
            self.write_on_screen();
            self.catch_up_later();
            self.reselect(&keep);
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

    /// The selected processes stay selected wherever they moved; only the rows whose state
    /// changes are touched (every selection change restyles the rows it names).
    fn reselect(&self, keep: &[u32]) {
        let i = &self.inner;
        let want: Vec<u32> = i
            .shown
            .borrow()
            .iter()
            .enumerate()
            .filter(|(_, r)| keep.contains(&r.pid))
            .map(|(at, _)| at as u32)
            .filter(|at| *at < i.store.n_items())
            .collect();
        let had = i.selection.selection();
        let had: Vec<u32> = (0..had.size())
            .map(|n| had.nth(n as u32))
            .filter(|at| (*at as usize) < i.shown.borrow().len())
            .collect();
        if had == want {
            return;
        }
        for at in had.iter().filter(|at| !want.contains(at)) {
            i.selection.unselect_item(*at);
        }
        for at in want.iter().filter(|at| !had.contains(at)) {
            i.selection.select_item(*at, false);
        }
    }

    /// Adds up to `n` of the shown rows not yet in the store, selecting those kept selected.
    fn grow(&self, n: usize) {
        let i = &self.inner;
        let from = i.store.n_items() as usize;
        let to = i.shown.borrow().len().min(from + n);
        if to <= from {
            return;
        }
        let slots: Vec<glib::BoxedAnyObject> = (from..to).map(glib::BoxedAnyObject::new).collect();
        i.store.splice(from as u32, 0, &slots);
        let keep = i.keep.borrow();
        for at in from..to {
            if i.shown
                .borrow()
                .get(at)
                .is_some_and(|r| keep.contains(&r.pid))
            {
                i.selection.select_item(at as u32, false);
            }
        }
    }

    /// The slots on screen (estimated from the scroll position), with a margin of rows.
    fn on_screen(&self) -> std::ops::Range<usize> {
        let i = &self.inner;
        let n = i.shown.borrow().len();
        let adj = i.view.vadjustment();
        let (value, page, upper) = adj
            .map(|a| (a.value(), a.page_size(), a.upper()))
            .unwrap_or_default();
        if n == 0 || page <= 0.0 || upper <= 0.0 {
            return 0..n.min(FIRST_ROWS);
        }
        let row = (upper / n as f64).max(1.0);
        let first = (value / row).floor() as usize;
        let count = (page / row).ceil() as usize;
        first.saturating_sub(MARGIN).min(n)..(first + count + MARGIN).min(n)
    }

    /// Rewrites the stale rows on screen now.
    pub(super) fn write_on_screen(&self) {
        let range = self.on_screen();
        let due: Vec<usize> = self.inner.stale.borrow().range(range).copied().collect();
        for at in due {
            self.write_slot(at);
        }
    }

    /// Writes the row of slot `at` into the labels showing it.
    fn write_slot(&self, at: usize) {
        let i = &self.inner;
        i.stale.borrow_mut().remove(&at);
        let shown = i.shown.borrow();
        let cells = i.cells.borrow();
        let (Some(row), Some(labels)) = (shown.get(at), cells.get(at)) else {
            return;
        };
        for (label, (_, _, text, _)) in labels.iter().zip(COLUMNS) {
            if let Some(label) = label {
                show(label, &text(row), row.pid);
            }
        }
    }

    /// Rewrites the stale rows off screen, [`CHUNK`] per main-loop iteration, at a priority
    /// below GTK's layout and drawing so that frames come between the chunks.
    fn catch_up_later(&self) {
        let i = &self.inner;
        let behind = i.store.n_items() as usize != i.shown.borrow().len();
        if (i.stale.borrow().is_empty() && !behind) || i.catching_up.replace(true) {
            return;
        }
        let weak = self.downgrade();
        glib::idle_add_local_full(glib::Priority::DEFAULT_IDLE, move || {
            let Some(page) = weak.upgrade() else {
                return glib::ControlFlow::Break;
            };
            page.grow(GROW);
            page.write_on_screen();
            let due: Vec<usize> = page
                .inner
                .stale
                .borrow()
                .iter()
                .take(CHUNK)
                .copied()
                .collect();
            for at in due {
                page.write_slot(at);
            }
            let behind = page.inner.store.n_items() as usize != page.inner.shown.borrow().len();
            if page.inner.stale.borrow().is_empty() && !behind {
                page.inner.catching_up.set(false);
                glib::ControlFlow::Break
            } else {
                glib::ControlFlow::Continue
            }
        });
    }

    /// The labels on screen now, as (slot, what it shows, what its row says it should show),
    /// for every column (tests: after [`ProcessPage::caught_up`] the two agree).
    pub fn bound_cells(&self) -> Vec<(usize, String, String)> {
        let i = &self.inner;
        let shown = i.shown.borrow();
        let mut out = Vec::new();
        for (at, labels) in i.cells.borrow().iter().enumerate() {
            let Some(row) = shown.get(at) else { continue };
            for (label, (_, _, text, _)) in labels.iter().zip(COLUMNS) {
                if let Some(label) = label {
                    out.push((at, label.text().to_string(), text(row)));
                }
            }
        }
        out
    }

    /// Whether every row is in the table and its labels show its current figures (tests).
    pub fn caught_up(&self) -> bool {
        let i = &self.inner;
        i.stale.borrow().is_empty() && i.store.n_items() as usize == i.shown.borrow().len()
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
