//! The Processes page: search by name, sort by CPU, memory, PID, user or name, and (for this
//! computer only) a context menu that sends a signal to the process under the pointer. It gets
//! rows and callbacks; it never signals by itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gio, glib};

use crate::process_list::{ProcRow, Signal, Sort, SortKey};

mod columns;
mod input;
mod rows;
mod sort;

use columns::COLUMNS;
use input::signal_menu;

/// What the page calls: a signal was asked for (the caller confirms and sends), the sort changed.
#[derive(Clone)]
pub struct Callbacks {
    /// The user picked `Signal` for the selected rows (of this page; one or more).
    pub on_signal: Rc<dyn Fn(Vec<ProcRow>, Signal, ProcessPage)>,
    /// The user changed the sort order.
    pub on_sort: Rc<dyn Fn(Sort)>,
    /// The user asked for the details of the row (this computer only).
    pub on_details: Rc<dyn Fn(ProcRow)>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Callbacks")
    }
}

#[derive(Debug)]
struct Inner {
    root: gtk::Box,
    search: gtk::SearchEntry,
    sort_key: gtk::DropDown,
    descending: gtk::ToggleButton,
    tree: gtk::ToggleButton,
    view: gtk::ColumnView,
    store: gio::ListStore,
    selection: gtk::MultiSelection,
    count: gtk::Label,
    error: gtk::Label,
    menu: Option<gtk::PopoverMenu>,
    rows: RefCell<Vec<ProcRow>>,
    shown: RefCell<Vec<ProcRow>>,
    /// The labels bound to each slot, per column: a changed row is written into them directly.
    cells: RefCell<Vec<[Option<gtk::Label>; COLUMNS.len()]>>,
    /// Slots whose labels may still show an earlier row (see [`ProcessPage::rearrange`]).
    stale: RefCell<std::collections::BTreeSet<usize>>,
    /// A catch-up of the stale slots is scheduled.
    catching_up: Cell<bool>,
    /// The pids selected before the last rearrangement (rows added later are selected by it).
    keep: RefCell<Vec<u32>>,
    callbacks: Callbacks,
    /// The columns that sort, with their key (the header shows GTK's sort arrow on them).
    sortable: RefCell<Vec<(gtk::ColumnViewColumn, SortKey)>>,
    /// Which column's sorter the header's sorter asked first (see [`ProcessPage::header_sort`]).
    probe: Rc<Cell<Option<SortKey>>>,
    /// Set while the page itself moves the header's arrow.
    syncing: Cell<bool>,
}

/// The page (cheap to clone: one shared state).
#[derive(Clone, Debug)]
pub struct ProcessPage {
    inner: Rc<Inner>,
}

impl ProcessPage {
    /// An empty page; `local` adds the signal menu (this computer only).
    pub fn new(local: bool, sort: Sort, callbacks: Callbacks) -> Self {
        let search = gtk::SearchEntry::builder()
            .placeholder_text("Search by name")
            .name("process-search")
            .hexpand(true)
            .build();
        let labels: Vec<&str> = SortKey::ALL.iter().map(|k| k.label()).collect();
        let sort_key = gtk::DropDown::from_strings(&labels);
        sort_key.set_widget_name("process-sort");
        sort_key.set_tooltip_text(Some("Sort by"));
        let descending = gtk::ToggleButton::builder()
            .icon_name("view-sort-descending-symbolic")
            .tooltip_text("Largest first")
            .name("process-descending")
            .build();
        let tree = gtk::ToggleButton::builder()
            .label("Tree")
            .tooltip_text("Show each process under its parent")
            .name("process-tree")
            .build();
        let count = gtk::Label::builder().name("process-count").build();
        count.add_css_class("dim-label");
        let bar = gtk::Box::builder()
            .spacing(8)
            .margin_top(8)
            .margin_bottom(8)
            .margin_start(12)
            .margin_end(12)
            .build();
        bar.append(&search);
        bar.append(&gtk::Label::new(Some("Sort by")));
        bar.append(&sort_key);
        bar.append(&descending);
        bar.append(&tree);
        bar.append(&count);
        let error = gtk::Label::builder()
            .xalign(0.0)
            .wrap(true)
            .visible(false)
            .margin_start(12)
            .margin_end(12)
            .name("process-error")
            .build();
        error.add_css_class("error");
        let store = gio::ListStore::new::<glib::BoxedAnyObject>();
        // Several rows may be selected (Ctrl+click, Shift+click) to signal them at once.
        let selection = gtk::MultiSelection::new(Some(store.clone()));
        let view = gtk::ColumnView::builder()
            .model(&selection)
            .show_row_separators(true)
            .hexpand(true)
            .vexpand(true)
            .name("process-table")
            .build();
        let menu = local.then(|| {
            let m = gtk::PopoverMenu::from_model(Some(&signal_menu()));
            m.set_parent(&view);
            m.set_has_arrow(false);
            let popover = m.clone();
            view.connect_destroy(move |_| popover.unparent());
            m
        });
        let scroll = gtk::ScrolledWindow::builder()
            .child(&view)
            .vexpand(true)
            .build();
        let root = gtk::Box::new(gtk::Orientation::Vertical, 0);
        root.append(&bar);
        root.append(&error);
        if !local {
            let note = gtk::Label::builder()
                .label("A remote host sends its busiest processes (top 50 by CPU and by memory).")
                .xalign(0.0)
                .margin_start(12)
                .margin_bottom(4)
                .name("process-remote-note")
                .build();
            note.add_css_class("dim-label");
            root.append(&note);
        }
        root.append(&scroll);
        let page = Self {
            inner: Rc::new(Inner {
                root,
                search,
                sort_key,
                descending,
                tree,
                view,
                store,
                selection,
                count,
                error,
                menu,
                rows: RefCell::new(Vec::new()),
                shown: RefCell::new(Vec::new()),
                cells: RefCell::new(Vec::new()),
                stale: RefCell::default(),
                catching_up: Cell::new(false),
                keep: RefCell::default(),
                callbacks,
                sortable: RefCell::new(Vec::new()),
                probe: Rc::new(Cell::new(None)),
                syncing: Cell::new(false),
            }),
        };
        page.add_columns();
        page.set_sort(sort);
        page.connect();
        page
    }

    /// The table.
    pub fn table(&self) -> gtk::ColumnView {
        self.inner.view.clone()
    }

    /// A reference that does not keep the page alive.
    pub fn downgrade(&self) -> WeakProcessPage {
        WeakProcessPage(Rc::downgrade(&self.inner))
    }

    /// The root widget.
    pub fn root(&self) -> gtk::Box {
        self.inner.root.clone()
    }

    /// Whether the page is on screen.
    pub fn is_mapped(&self) -> bool {
        self.inner.root.is_mapped()
    }

    /// The "Tree" toggle: each process under its parent.
    pub fn tree_toggle(&self) -> gtk::ToggleButton {
        self.inner.tree.clone()
    }

    /// The search field.
    pub fn search(&self) -> gtk::SearchEntry {
        self.inner.search.clone()
    }

    /// Whether the signal menu is offered (this computer only).
    pub fn has_signal_menu(&self) -> bool {
        self.inner.menu.is_some()
    }

    /// Shows (or with `None` hides) an error under the search bar.
    pub fn show_error(&self, text: Option<&str>) {
        self.inner.error.set_text(text.unwrap_or(""));
        self.inner.error.set_visible(text.is_some());
    }
}

/// A [`ProcessPage`] that may be gone.
#[derive(Clone, Debug)]
pub struct WeakProcessPage(std::rc::Weak<Inner>);

impl WeakProcessPage {
    /// The page, while it exists.
    pub fn upgrade(&self) -> Option<ProcessPage> {
        self.0.upgrade().map(|inner| ProcessPage { inner })
    }
}
