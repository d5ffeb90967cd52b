//! The Processes page: search by name, sort by CPU, memory, PID, user or name, and (for this
//! computer only) a context menu that sends a signal to the process under the pointer. It gets
//! rows and callbacks; it never signals by itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gdk, gio, glib};

use crate::process_list::{ProcRow, Signal, Sort, SortKey, arrange, arrange_tree};

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

type Text = fn(&ProcRow) -> String;

const COLUMNS: [(&str, &str, Text, bool); 7] = [
    ("PID", "col-pid", |p| p.pid.to_string(), true),
    ("Name", "col-name", |p| tree_name(p), false),
    ("Command", "col-command", |p| p.command.clone(), false),
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
fn slot_of(obj: &glib::Object) -> Option<usize> {
    obj.downcast_ref::<glib::BoxedAnyObject>()
        .map(|b| *b.borrow::<usize>())
}

fn show(label: &gtk::Label, text: &str, pid: u32) {
    if label.text() != text {
        label.set_text(text);
    }
    // The right-click handler finds the row under the pointer by this name.
    let name = format!("pid-{pid}");
    if label.widget_name() != name {
        label.set_widget_name(&name);
    }
}

fn signal_menu() -> gio::Menu {
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

    fn add_columns(&self) {
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
    fn show_sort_in_header(&self, sort: Sort) {
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

    fn connect(&self) {
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
    fn show_direction(&self) {
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
