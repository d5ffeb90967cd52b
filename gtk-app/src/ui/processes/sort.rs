//! The sort order: the "Sort by" list and direction button, and the column headers' arrow kept
//! in step with them.

use gtk::glib;
use gtk::prelude::*;

use super::ProcessPage;
use crate::process_list::{Sort, SortKey};

impl ProcessPage {
    /// The sort the column headers show: the column with the arrow and its direction (`None`:
    /// no header sorts). GTK 4.8 has no getter for it, so the header's sorter is asked to
    /// compare two rows: it asks the sort column's sorter first and inverts its answer when
    /// the arrow points down.
    pub fn header_sort(&self) -> Option<Sort> {
        let i = &self.inner;
        let sorter = i.view.sorter()?;
        i.probe.set(None);
        let (a, b) = (
            glib::BoxedAnyObject::new(0usize),
            glib::BoxedAnyObject::new(1usize),
        );
        let order = sorter.compare(&a, &b);
        let key = i.probe.take()?;
        Some(Sort {
            key,
            descending: order == gtk::Ordering::Smaller,
        })
    }

    /// Puts the header's arrow on the column of `sort`.
    pub(super) fn show_sort_in_header(&self, sort: Sort) {
        let i = &self.inner;
        if self.header_sort() == Some(sort) {
            return;
        }
        let column = i
            .sortable
            .borrow()
            .iter()
            .find(|(_, k)| *k == sort.key)
            .map(|(c, _)| c.clone());
        let order = if sort.descending {
            gtk::SortType::Descending
        } else {
            gtk::SortType::Ascending
        };
        i.syncing.set(true);
        i.view.sort_by_column(column.as_ref(), order);
        i.syncing.set(false);
    }

    /// The current sort order.
    pub fn sort(&self) -> Sort {
        Sort {
            key: SortKey::ALL
                .get(self.inner.sort_key.selected() as usize)
                .copied()
                .unwrap_or_default(),
            descending: self.inner.descending.is_active(),
        }
    }

    /// Sorts by `sort`.
    pub fn set_sort(&self, sort: Sort) {
        let at = SortKey::ALL
            .iter()
            .position(|k| *k == sort.key)
            .unwrap_or(0);
        self.inner.sort_key.set_selected(at as u32);
        self.inner.descending.set_active(sort.descending);
        self.show_sort_in_header(sort);
        self.show_direction();
    }

    /// The direction button's icon and tooltip say the direction in force.
    pub(super) fn show_direction(&self) {
        let b = &self.inner.descending;
        let (icon, tip) = if b.is_active() {
            (
                "view-sort-descending-symbolic",
                "Largest first (click for smallest first)",
            )
        } else {
            (
                "view-sort-ascending-symbolic",
                "Smallest first (click for largest first)",
            )
        };
        if b.icon_name().as_deref() != Some(icon) {
            b.set_icon_name(icon);
            b.set_tooltip_text(Some(tip));
        }
    }

    /// The direction button's icon name (tests).
    pub fn direction_icon(&self) -> String {
        self.inner
            .descending
            .icon_name()
            .map(|s| s.to_string())
            .unwrap_or_default()
    }
}
