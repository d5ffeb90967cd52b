//! The panels of a host view: platform, CPU, memory, disk, network and the process table.
//!
//! Every value label has a widget name (`cpu-usage`, `mem-used`, ...) so tests read them back.

use gtk::prelude::*;
use psmonitor_core::wire::CpuStats;

use crate::format;
use crate::model::{Refresh, ViewModel};
use crate::ui::processes::ProcessTable;

/// A titled frame holding a two-column grid of "key: value" rows.
struct Section {
    frame: gtk::Frame,
    grid: gtk::Grid,
    rows: i32,
}

impl Section {
    fn new(title: &str) -> Self {
        let grid = gtk::Grid::builder()
            .row_spacing(4)
            .column_spacing(12)
            .margin_top(6)
            .margin_bottom(8)
            .margin_start(10)
            .margin_end(10)
            .build();
        let heading = gtk::Label::builder().label(title).xalign(0.0).build();
        heading.add_css_class("heading");
        let frame = gtk::Frame::builder()
            .label_widget(&heading)
            .child(&grid)
            .hexpand(true)
            .valign(gtk::Align::Start)
            .build();
        Self {
            frame,
            grid,
            rows: 0,
        }
    }

    /// Adds a row and returns its value label, named `name`.
    fn row(&mut self, key: &str, name: &str) -> gtk::Label {
        let key = gtk::Label::builder().label(key).xalign(0.0).build();
        key.add_css_class("dim-label");
        let value = gtk::Label::builder()
            .label("…")
            .xalign(0.0)
            .hexpand(true)
            .selectable(true)
            .wrap(true)
            .wrap_mode(gtk::pango::WrapMode::WordChar)
            .name(name)
            .build();
        self.grid.attach(&key, 0, self.rows, 1, 1);
        self.grid.attach(&value, 1, self.rows, 1, 1);
        self.rows += 1;
        value
    }

    /// Adds a full-width widget.
    fn widget(&mut self, widget: &impl IsA<gtk::Widget>) {
        self.grid.attach(widget, 0, self.rows, 2, 1);
        self.rows += 1;
    }
}

fn set(label: &gtk::Label, text: &str) {
    if label.text() != text {
        label.set_text(text);
    }
}

/// The widgets of one host.
#[derive(Debug)]
pub struct HostView {
    /// The scrolled root widget.
    pub root: gtk::ScrolledWindow,
    distro: gtk::Label,
    kernel: gtk::Label,
    uptime: gtk::Label,
    user: gtk::Label,
    usage: gtk::Label,
    freq: gtk::Label,
    temp: gtk::Label,
    load: gtk::Label,
    cores: gtk::FlowBox,
    core_bars: Vec<gtk::LevelBar>,
    mem: gtk::Label,
    mem_bar: gtk::LevelBar,
    swap: gtk::Label,
    disk: gtk::Label,
    disk_bar: gtk::LevelBar,
    network: gtk::Grid,
    network_rows: Vec<(String, gtk::Label, gtk::Label)>,
    /// The top-processes table.
    pub processes: ProcessTable,
}

fn bar(name: &str) -> gtk::LevelBar {
    let bar = gtk::LevelBar::builder()
        .min_value(0.0)
        .max_value(100.0)
        .hexpand(true)
        .name(name)
        .build();
    bar.set_size_request(-1, 8);
    bar
}

impl HostView {
    /// Builds the empty panels.
    pub fn new() -> Self {
        let mut platform = Section::new("Platform");
        let distro = platform.row("Distribution", "platform-distro");
        let kernel = platform.row("Kernel", "platform-kernel");
        let uptime = platform.row("Uptime", "platform-uptime");
        let user = platform.row("User", "platform-user");

        let mut cpu = Section::new("CPU");
        let usage = cpu.row("Usage", "cpu-usage");
        let freq = cpu.row("Frequency", "cpu-freq");
        let temp = cpu.row("Temperature", "cpu-temp");
        let load = cpu.row("Load average", "cpu-load");
        let cores = gtk::FlowBox::builder()
            .selection_mode(gtk::SelectionMode::None)
            .min_children_per_line(2)
            .max_children_per_line(8)
            .row_spacing(2)
            .column_spacing(8)
            .homogeneous(true)
            .name("cpu-cores")
            .build();
        cpu.widget(&cores);

        let mut memory = Section::new("Memory");
        let mem = memory.row("RAM", "mem-usage");
        let mem_bar = bar("mem-bar");
        memory.widget(&mem_bar);
        let swap = memory.row("Swap", "swap-usage");

        let mut disk_section = Section::new("Disk (/)");
        let disk = disk_section.row("Root", "disk-usage");
        let disk_bar = bar("disk-bar");
        disk_section.widget(&disk_bar);

        let net_section = Section::new("Network");
        let network = net_section.grid.clone();

        let processes = ProcessTable::new();
        let proc_heading = gtk::Label::builder()
            .label("Top processes (by memory)")
            .xalign(0.0)
            .build();
        proc_heading.add_css_class("heading");
        let proc_frame = gtk::Frame::builder()
            .label_widget(&proc_heading)
            .child(&processes.root)
            .build();

        let panels = gtk::FlowBox::builder()
            .selection_mode(gtk::SelectionMode::None)
            .min_children_per_line(1)
            .max_children_per_line(3)
            .column_spacing(10)
            .row_spacing(10)
            .homogeneous(false)
            .valign(gtk::Align::Start)
            .build();
        for s in [&platform, &cpu, &memory, &disk_section, &net_section] {
            s.frame.set_size_request(300, -1);
            panels.insert(&s.frame, -1);
        }
        let column = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(10)
            .margin_top(10)
            .margin_bottom(10)
            .margin_start(10)
            .margin_end(10)
            .build();
        column.append(&panels);
        column.append(&proc_frame);
        let root = gtk::ScrolledWindow::builder()
            .hscrollbar_policy(gtk::PolicyType::Never)
            .child(&column)
            .vexpand(true)
            .build();
        Self {
            root,
            distro,
            kernel,
            uptime,
            user,
            usage,
            freq,
            temp,
            load,
            cores,
            core_bars: Vec::new(),
            mem,
            mem_bar,
            swap,
            disk,
            disk_bar,
            network,
            network_rows: Vec::new(),
            processes,
        }
    }

    /// Redraws the panels named in `refresh` from `vm`.
    pub fn refresh(&mut self, vm: &ViewModel, refresh: Refresh) {
        if refresh.contains(Refresh::PLATFORM) {
            set(&self.distro, &vm.platform.distro);
            set(&self.kernel, &vm.platform.kernel);
            set(&self.uptime, &vm.platform.uptime);
            set(&self.user, &vm.user);
        }
        if refresh.contains(Refresh::CPU)
            && let Some(cpu) = &vm.cpu
        {
            self.refresh_cpu(cpu);
        }
        if refresh.contains(Refresh::MEMORY) {
            set(&self.mem, &format::usage(&vm.mem));
            self.mem_bar.set_value(vm.mem.percent.clamp(0.0, 100.0));
            let swap = if vm.swap.total > 0.0 {
                format::usage(&vm.swap)
            } else {
                "none".to_owned()
            };
            set(&self.swap, &swap);
        }
        if refresh.contains(Refresh::DISK) {
            set(&self.disk, &format::usage(&vm.disk));
            self.disk_bar.set_value(vm.disk.percent.clamp(0.0, 100.0));
        }
        if refresh.contains(Refresh::NETWORK) {
            self.refresh_network(vm);
        }
        if refresh.contains(Refresh::PROCESSES) {
            self.processes.set_rows(&vm.processes);
        }
    }

    fn refresh_cpu(&mut self, cpu: &CpuStats) {
        set(&self.usage, &format::percent(cpu.usage));
        set(&self.freq, &format::mhz(cpu.freq));
        set(&self.temp, &format::celsius(cpu.temp));
        let [l1, l5, l15] = cpu.load;
        set(&self.load, &format!("{l1:.2}  {l5:.2}  {l15:.2}"));
        if self.core_bars.len() != cpu.cores.len() {
            while let Some(child) = self.cores.first_child() {
                self.cores.remove(&child);
            }
            self.core_bars.clear();
            for i in 0..cpu.cores.len() {
                let b = bar(&format!("core-{i}"));
                b.set_valign(gtk::Align::Center);
                b.set_tooltip_text(Some(&format!("CPU {i}")));
                self.cores.insert(&b, -1);
                self.core_bars.push(b);
            }
        }
        for (b, v) in self.core_bars.iter().zip(&cpu.cores) {
            let v = v.clamp(0.0, 100.0);
            if (b.value() - v).abs() > f64::EPSILON {
                b.set_value(v);
                b.set_tooltip_text(Some(&format::percent(v)));
            }
        }
    }

    fn refresh_network(&mut self, vm: &ViewModel) {
        let Some(net) = &vm.network else { return };
        let names: Vec<&String> = net.interfaces.iter().collect();
        let same = names.len() == self.network_rows.len()
            && names
                .iter()
                .zip(&self.network_rows)
                .all(|(a, (b, _, _))| *a == b);
        if !same {
            while let Some(child) = self.network.first_child() {
                self.network.remove(&child);
            }
            self.network_rows.clear();
            for (row, name) in names.iter().enumerate() {
                let key = gtk::Label::builder()
                    .label(name.as_str())
                    .xalign(0.0)
                    .build();
                key.add_css_class("dim-label");
                let rate = gtk::Label::builder()
                    .xalign(0.0)
                    .hexpand(true)
                    .name(format!("net-{name}-rate"))
                    .build();
                let total = gtk::Label::builder()
                    .xalign(0.0)
                    .name(format!("net-{name}-total"))
                    .build();
                total.add_css_class("dim-label");
                let row = row as i32 * 2;
                self.network.attach(&key, 0, row, 1, 1);
                self.network.attach(&rate, 1, row, 1, 1);
                self.network.attach(&total, 1, row + 1, 1, 1);
                self.network_rows.push(((*name).clone(), rate, total));
            }
        }
        for (name, rate, total) in &self.network_rows {
            let r = vm.rates.get(name).copied().unwrap_or_default();
            set(
                rate,
                &format!("↓ {}   ↑ {}", format::rate(r.rx), format::rate(r.tx)),
            );
            if let Some(s) = net.statistics.get(name) {
                set(
                    total,
                    &format!(
                        "total ↓ {}   ↑ {}",
                        format::mib_total(s.mb_received),
                        format::mib_total(s.mb_sent)
                    ),
                );
            }
        }
    }
}

impl Default for HostView {
    fn default() -> Self {
        Self::new()
    }
}
