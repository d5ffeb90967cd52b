//! The sidebar: the host's identity on top, then one row per resource with its current value
//! and a live mini-graph. Selecting a row calls back with the resource.

use gtk::prelude::*;

use crate::model::ViewModel;
use crate::resources::Resource;
use crate::ui::plot::{self, Shared, Style, What};

/// One resource row.
#[derive(Debug)]
struct Row {
    resource: Resource,
    row: gtk::ListBoxRow,
    title: gtk::Label,
    value: gtk::Label,
    graph: gtk::DrawingArea,
}

/// The sidebar widgets.
#[derive(Debug)]
pub struct Sidebar {
    /// The root widget.
    pub root: gtk::Box,
    /// The list of resources.
    pub list: gtk::ListBox,
    hostname: gtk::Label,
    platform: [gtk::Label; 4],
    rows: Vec<Row>,
    shared: Shared,
}

pub(crate) fn set(label: &gtk::Label, text: &str) {
    if label.text() != text {
        label.set_text(text);
    }
}

impl Sidebar {
    /// An empty sidebar; `on_select` runs with the resource the user picks.
    pub fn new(shared: &Shared, on_select: impl Fn(Resource) + 'static) -> Self {
        let hostname = gtk::Label::builder()
            .xalign(0.0)
            .ellipsize(gtk::pango::EllipsizeMode::End)
            .name("platform-hostname")
            .build();
        hostname.add_css_class("heading");
        let small = |name: &str| {
            let l = gtk::Label::builder()
                .xalign(0.0)
                .ellipsize(gtk::pango::EllipsizeMode::End)
                .name(name)
                .build();
            l.add_css_class("dim-label");
            l.add_css_class("caption");
            l
        };
        let platform = [
            small("platform-distro"),
            small("platform-kernel"),
            small("platform-user"),
            small("platform-uptime-side"),
        ];
        let header = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(2)
            .margin_top(10)
            .margin_bottom(8)
            .margin_start(12)
            .margin_end(12)
            .build();
        header.append(&hostname);
        for l in &platform {
            header.append(l);
        }
        let list = gtk::ListBox::builder()
            .selection_mode(gtk::SelectionMode::Single)
            .name("sidebar")
            .css_classes(["navigation-sidebar"])
            .build();
        let root = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .width_request(230)
            .build();
        root.append(&header);
        root.append(&gtk::Separator::new(gtk::Orientation::Horizontal));
        root.append(&list);
        list.connect_row_selected(move |_, row| {
            if let Some(r) = row.and_then(|r| resource_of(r.widget_name().as_str())) {
                on_select(r);
            }
        });
        Self {
            root,
            list,
            hostname,
            platform,
            rows: Vec::new(),
            shared: shared.clone(),
        }
    }

    /// Shows the platform lines.
    pub fn set_platform(&self, vm: &ViewModel) {
        let p = &vm.platform;
        set(&self.hostname, &p.hostname);
        set(&self.platform[0], &p.distro);
        set(&self.platform[1], &p.kernel);
        set(&self.platform[2], &vm.user);
        set(&self.platform[3], &format!("up {}", p.uptime));
    }

    /// The resources shown, in order.
    pub fn resources(&self) -> Vec<Resource> {
        self.rows.iter().map(|r| r.resource).collect()
    }

    /// Rebuilds the rows when `resources` differ from those shown.
    pub fn set_resources(&mut self, resources: &[Resource], vm: &ViewModel) {
        if self.resources() == resources {
            return;
        }
        let selected = self.selected();
        while let Some(child) = self.list.first_child() {
            self.list.remove(&child);
        }
        self.rows.clear();
        for &resource in resources {
            let id = resource.id();
            let title = gtk::Label::builder()
                .label(resource.title(vm))
                .xalign(0.0)
                .hexpand(true)
                .ellipsize(gtk::pango::EllipsizeMode::End)
                .build();
            let value = gtk::Label::builder()
                .xalign(1.0)
                .name(format!("side-{id}-value"))
                .build();
            value.add_css_class("numeric");
            let top = gtk::Box::new(gtk::Orientation::Horizontal, 6);
            top.append(&title);
            top.append(&value);
            let graph = plot::area(
                &self.shared,
                What::Resource(resource),
                Style::Mini,
                &format!("side-{id}-graph"),
            );
            graph.set_content_height(34);
            let body = gtk::Box::builder()
                .orientation(gtk::Orientation::Vertical)
                .spacing(3)
                .margin_top(4)
                .margin_bottom(4)
                .build();
            body.append(&top);
            body.append(&graph);
            let row = gtk::ListBoxRow::builder()
                .child(&body)
                .name(format!("side-{id}"))
                .build();
            self.list.append(&row);
            self.rows.push(Row {
                resource,
                row,
                title,
                value,
                graph,
            });
        }
        let keep = selected
            .and_then(|s| self.rows.iter().find(|r| r.resource == s))
            .or(self.rows.first());
        if let Some(r) = keep {
            self.list.select_row(Some(&r.row));
        }
    }

    /// Updates the values and redraws the mini-graphs.
    pub fn refresh(&self, vm: &ViewModel, graphs: bool) {
        let units = self.shared.units.get();
        for r in &self.rows {
            set(&r.value, &r.resource.value(vm, units));
            if let Resource::Gpu(_) = r.resource {
                set(&r.title, &r.resource.title(vm));
            }
            if graphs && r.graph.is_mapped() {
                r.graph.queue_draw();
            }
        }
    }

    /// The selected resource.
    pub fn selected(&self) -> Option<Resource> {
        let row = self.list.selected_row()?;
        resource_of(row.widget_name().as_str())
    }

    /// Selects `resource` (as a click would).
    pub fn select(&self, resource: Resource) -> bool {
        match self.rows.iter().find(|r| r.resource == resource) {
            Some(r) => {
                self.list.select_row(Some(&r.row));
                true
            }
            None => false,
        }
    }

    /// The mini-graph of `resource`, if shown.
    pub fn graph(&self, resource: Resource) -> Option<gtk::DrawingArea> {
        self.rows
            .iter()
            .find(|r| r.resource == resource)
            .map(|r| r.graph.clone())
    }
}

/// The resource of a row named `side-ID`.
fn resource_of(name: &str) -> Option<Resource> {
    let id = name.strip_prefix("side-")?;
    Some(match id {
        "cpu" => Resource::Cpu,
        "memory" => Resource::Memory,
        "disks" => Resource::Disks,
        "network" => Resource::Network,
        "sensors" => Resource::Sensors,
        "battery" => Resource::Battery,
        other => {
            if let Some(i) = other.strip_prefix("disk-") {
                Resource::Disk(i.parse().ok()?)
            } else if let Some(i) = other.strip_prefix("iface-") {
                Resource::Interface(i.parse().ok()?)
            } else {
                Resource::Gpu(other.strip_prefix("gpu-")?.parse().ok()?)
            }
        }
    })
}
