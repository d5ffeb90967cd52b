//! What a host window shows: the Resources page (sidebar and resource pages) and the Processes
//! page, switched from the header bar.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use gtk::glib;
use gtk::prelude::*;

use crate::format::Units;
use crate::model::{Refresh, ViewModel};
use crate::process_list::{LocalProcesses, ProcRow, Sort};
use crate::resources::Resource;
use crate::ui::plot::Shared;
use crate::ui::processes::{Callbacks, ProcessPage};
use crate::ui::resource_page::Pages;
use crate::ui::sidebar::Sidebar;

/// The pages of one host.
#[derive(Debug)]
pub struct HostView {
    /// The root: a stack of the Resources and Processes pages.
    pub root: gtk::Stack,
    /// The page switcher for the header bar.
    pub switcher: gtk::StackSwitcher,
    /// The sidebar.
    pub sidebar: Sidebar,
    /// The resource pages.
    pub pages: Pages,
    /// The Processes page.
    pub processes: ProcessPage,
    /// The model and units the graphs draw from.
    pub shared: Shared,
    hidden: Vec<String>,
    /// The Resources page missed updates while hidden: the next refresh redraws everything.
    stale: bool,
}

impl HostView {
    /// The empty pages of the host `model` describes. With `local` (a procfs, `/proc`) the
    /// Processes page lists every process read there, with the signal menu; without, the rows
    /// the server streams.
    pub fn new(
        model: &Rc<RefCell<ViewModel>>,
        local: Option<PathBuf>,
        sort: Sort,
        callbacks: Callbacks,
    ) -> Self {
        let shared = Shared {
            model: model.clone(),
            units: Rc::new(Cell::new(Units::default())),
        };
        let pages = Pages::new(&shared);
        let stack = pages.stack.clone();
        let sidebar = Sidebar::new(&shared, move |r: Resource| {
            stack.set_visible_child_name(&r.id());
        });
        let side_scroll = gtk::ScrolledWindow::builder()
            .hscrollbar_policy(gtk::PolicyType::Never)
            .child(&sidebar.root)
            .build();
        let page_scroll = gtk::ScrolledWindow::builder()
            .hscrollbar_policy(gtk::PolicyType::Never)
            .child(&pages.stack)
            .hexpand(true)
            .build();
        let paned = gtk::Paned::builder()
            .orientation(gtk::Orientation::Horizontal)
            .start_child(&side_scroll)
            .end_child(&page_scroll)
            .resize_start_child(false)
            .shrink_start_child(false)
            .position(250)
            .vexpand(true)
            .build();
        let processes = ProcessPage::new(local.is_some(), sort, callbacks);
        if let Some(root) = local {
            read_locally(&processes, LocalProcesses::new(root));
        }
        let root = gtk::Stack::builder()
            .vexpand(true)
            .name("host-pages")
            .build();
        root.add_titled(&paned, Some("resources"), "Resources");
        root.add_titled(&processes.root(), Some("processes"), "Processes");
        let switcher = gtk::StackSwitcher::builder().stack(&root).build();
        Self {
            root,
            switcher,
            sidebar,
            pages,
            processes,
            shared,
            hidden: Vec::new(),
            stale: false,
        }
    }

    /// Hides the resource kinds in `hidden` (see [`crate::resources::KINDS`]) and sets the units.
    pub fn set_preferences(&mut self, hidden: &[String], units: Units, vm: &ViewModel) {
        self.hidden = hidden.to_vec();
        self.shared.units.set(units);
        self.refresh(vm, Refresh::CPU | Refresh::GRAPHS);
    }

    /// Shows the page `name` (`resources` or `processes`).
    pub fn show_page(&self, name: &str) {
        self.root.set_visible_child_name(name);
    }

    /// Selects `resource` in the sidebar; false if the host does not have it.
    pub fn select(&self, resource: Resource) -> bool {
        self.sidebar.select(resource)
    }

    /// Redraws what `refresh` names from `vm`. While the Processes page is shown the Resources
    /// page is left alone (it is brought up to date at the first refresh after it is back).
    pub fn refresh(&mut self, vm: &ViewModel, mut refresh: Refresh) {
        if refresh.contains(Refresh::PROCS)
            && !self.processes.has_signal_menu()
            && let Some(d) = &vm.details
        {
            self.processes
                .set_rows(d.procs.iter().map(ProcRow::from).collect());
        }
        if self.root.visible_child_name().as_deref() != Some("resources") {
            self.stale = true;
            return;
        }
        if std::mem::take(&mut self.stale) {
            refresh |= Refresh::PLATFORM | Refresh::CPU | Refresh::DETAIL | Refresh::GRAPHS;
        }
        if refresh.contains(Refresh::PLATFORM) {
            self.sidebar.set_platform(vm);
        }
        let resources = Resource::present(vm, &self.hidden);
        if self.sidebar.resources() != resources {
            self.pages.set_resources(&resources);
            self.sidebar.set_resources(&resources, vm);
            if let Some(r) = self.sidebar.selected() {
                self.pages.show(r);
            }
        }
        let graphs = refresh.contains(Refresh::GRAPHS);
        let text = [
            Refresh::CPU,
            Refresh::MEMORY,
            Refresh::DISK,
            Refresh::NETWORK,
            Refresh::DETAIL,
            Refresh::PLATFORM,
        ]
        .iter()
        .any(|f| refresh.contains(*f));
        if graphs || text {
            self.sidebar.refresh(vm, graphs);
            self.pages.refresh(vm, graphs);
        }
    }
}

/// How often the Processes page reads this computer's processes (as `top`'s default delay is
/// 3 s: a table of every process, re-sorted, costs more to redraw than the graphs).
pub const PROCESS_EVERY: Duration = Duration::from_secs(2);

/// Reads `local` into `page` every [`PROCESS_EVERY`] while the page is on screen, and at once
/// when it appears. The reading (a `/proc` scan with user-name lookups through NSS, which may
/// ask a network directory) runs on its own thread; rows come back through a channel.
fn read_locally(page: &ProcessPage, mut local: LocalProcesses) {
    let (ask, asked) = std::sync::mpsc::sync_channel::<Instant>(1);
    let (rows_tx, rows) = async_channel::bounded(1);
    let spawned = std::thread::Builder::new()
        .name("psmonitor-procs".into())
        .spawn(move || {
            for now in asked {
                if rows_tx.send_blocking(local.read(now)).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the process reader: {e}");
        return;
    }
    let weak = page.downgrade();
    glib::spawn_future_local(async move {
        while let Ok(rows) = rows.recv().await {
            let Some(page) = weak.upgrade() else { break };
            page.set_rows(rows);
        }
    });
    let weak = page.downgrade();
    let read = move || {
        let Some(page) = weak.upgrade() else {
            return false;
        };
        // A read still running: this tick is skipped, not queued.
        if page.is_mapped() {
            let _ = ask.try_send(Instant::now());
        }
        true
    };
    let now = read.clone();
    page.root().connect_map(move |_| {
        now();
    });
    glib::timeout_add_local(PROCESS_EVERY, move || {
        if read() {
            glib::ControlFlow::Continue
        } else {
            glib::ControlFlow::Break
        }
    });
}
