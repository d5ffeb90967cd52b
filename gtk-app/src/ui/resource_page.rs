//! The main area: one page per resource with its title and current value, a large graph of the
//! last five minutes, the per-core view for the CPU, and the details rows.

use gtk::prelude::*;

use crate::format;
use crate::model::ViewModel;
use crate::resources::{Resource, Row};
use crate::ui::plot::{self, Shared, Style, What};
use crate::ui::sidebar::set;

/// One logical CPU's cell of the per-core view.
#[derive(Debug)]
struct Core {
    label: gtk::Label,
    graph: gtk::DrawingArea,
}

/// One resource page.
#[derive(Debug)]
struct Page {
    resource: Resource,
    root: gtk::Box,
    title: gtk::Label,
    graph: gtk::DrawingArea,
    cores: Option<(gtk::FlowBox, Vec<Core>)>,
    grid: gtk::Grid,
    rows: Vec<(String, gtk::Label, gtk::Label)>,
}

/// The pages in a stack, one shown at a time.
#[derive(Debug)]
pub struct Pages {
    /// The stack.
    pub stack: gtk::Stack,
    pages: Vec<Page>,
    shared: Shared,
}

impl Pages {
    /// No pages yet.
    pub fn new(shared: &Shared) -> Self {
        let stack = gtk::Stack::builder()
            .hexpand(true)
            .vexpand(true)
            .transition_type(gtk::StackTransitionType::None)
            .name("resource-pages")
            .build();
        Self {
            stack,
            pages: Vec::new(),
            shared: shared.clone(),
        }
    }

    /// Adds pages for new resources and removes those of vanished ones.
    pub fn set_resources(&mut self, resources: &[Resource]) {
        self.pages.retain(|p| {
            let keep = resources.contains(&p.resource);
            if !keep {
                self.stack.remove(&p.root);
            }
            keep
        });
        for &r in resources {
            if !self.pages.iter().any(|p| p.resource == r) {
                let page = self.page(r);
                self.stack.add_named(&page.root, Some(&r.id()));
                self.pages.push(page);
            }
        }
    }

    fn page(&self, resource: Resource) -> Page {
        let id = resource.id();
        let title = gtk::Label::builder()
            .xalign(0.0)
            .name(format!("page-{id}-title"))
            .build();
        title.add_css_class("title-2");
        let graph = plot::area(
            &self.shared,
            What::Resource(resource),
            Style::Full,
            &format!("graph-{id}"),
        );
        graph.set_content_height(220);
        graph.set_vexpand(true);
        let grid = gtk::Grid::builder()
            .row_spacing(4)
            .column_spacing(16)
            .name(format!("details-{id}"))
            .build();
        let root = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(10)
            .margin_top(12)
            .margin_bottom(12)
            .margin_start(16)
            .margin_end(16)
            .build();
        root.append(&title);
        root.append(&graph);
        let cores = (resource == Resource::Cpu).then(|| {
            let flow = gtk::FlowBox::builder()
                .selection_mode(gtk::SelectionMode::None)
                .min_children_per_line(2)
                .max_children_per_line(8)
                .row_spacing(6)
                .column_spacing(6)
                .homogeneous(true)
                .name("cpu-cores")
                .build();
            root.append(&flow);
            (flow, Vec::new())
        });
        root.append(&grid);
        Page {
            resource,
            root,
            title,
            graph,
            cores,
            grid,
            rows: Vec::new(),
        }
    }

    /// Shows the page of `resource`.
    pub fn show(&self, resource: Resource) {
        self.stack.set_visible_child_name(&resource.id());
    }

    /// Updates every page's text; redraws the graphs on screen when `graphs`.
    pub fn refresh(&mut self, vm: &ViewModel, graphs: bool) {
        let units = self.shared.units.get();
        let shared = self.shared.clone();
        for page in &mut self.pages {
            let r = page.resource;
            set(
                &page.title,
                &format!("{}  ·  {}", r.title(vm), r.value(vm, units)),
            );
            set_rows(page, r.details(vm, units));
            if let (Some((flow, cores)), Some(cpu)) = (page.cores.as_mut(), vm.cpu.as_ref()) {
                if cores.len() != cpu.cores.len() {
                    while let Some(child) = flow.first_child() {
                        flow.remove(&child);
                    }
                    cores.clear();
                    for i in 0..cpu.cores.len() {
                        cores.push(core_cell(&shared, flow, i));
                    }
                }
                for (core, v) in cores.iter().zip(&cpu.cores) {
                    set(
                        &core.label,
                        &format!("CPU {} · {}", core_index(core), format::percent(*v)),
                    );
                    if graphs && core.graph.is_mapped() {
                        core.graph.queue_draw();
                    }
                }
            }
            if graphs && page.graph.is_mapped() {
                page.graph.queue_draw();
            }
        }
    }

    /// The large graph of `resource`'s page.
    pub fn graph(&self, resource: Resource) -> Option<gtk::DrawingArea> {
        self.pages
            .iter()
            .find(|p| p.resource == resource)
            .map(|p| p.graph.clone())
    }
}

fn core_index(core: &Core) -> usize {
    core.label
        .widget_name()
        .strip_prefix("core-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn core_cell(shared: &Shared, flow: &gtk::FlowBox, i: usize) -> Core {
    let label = gtk::Label::builder()
        .xalign(0.0)
        .name(format!("core-{i}"))
        .build();
    label.add_css_class("caption");
    let graph = plot::area(
        shared,
        What::Core(i),
        Style::Mini,
        &format!("core-{i}-graph"),
    );
    graph.set_content_height(40);
    graph.set_content_width(90);
    let cell = gtk::Box::new(gtk::Orientation::Vertical, 2);
    cell.append(&label);
    cell.append(&graph);
    flow.insert(&cell, -1);
    Core { label, graph }
}

/// Shows `rows`, rebuilding the grid only when their names change.
fn set_rows(page: &mut Page, rows: Vec<Row>) {
    let same =
        rows.len() == page.rows.len() && rows.iter().zip(&page.rows).all(|(a, b)| a.0 == b.0);
    if !same {
        while let Some(child) = page.grid.first_child() {
            page.grid.remove(&child);
        }
        page.rows.clear();
        for (i, (name, _, _)) in rows.iter().enumerate() {
            let key = gtk::Label::builder().xalign(0.0).build();
            key.add_css_class("dim-label");
            let value = gtk::Label::builder()
                .xalign(0.0)
                .hexpand(true)
                .selectable(true)
                .wrap(true)
                .name(name.as_str())
                .build();
            page.grid.attach(&key, 0, i as i32, 1, 1);
            page.grid.attach(&value, 1, i as i32, 1, 1);
            page.rows.push((name.clone(), key, value));
        }
    }
    for ((_, key, value), (_, k, v)) in page.rows.iter().zip(rows) {
        set(key, &k);
        set(value, &v);
    }
}
