//! The Details dialog of one process of this computer: command line, working folder, start,
//! threads, open files, cgroup, and its priority (nice), which can be changed here.

use std::path::Path;

use gtk::prelude::*;

use crate::process_info::{self, ProcessInfo};
use crate::ui::dialogs::{dialog, vbox};

fn row(grid: &gtk::Grid, at: i32, key: &str, value: &str, name: &str) {
    grid.attach(
        &gtk::Label::builder().label(key).xalign(0.0).build(),
        0,
        at,
        1,
        1,
    );
    let v = gtk::Label::builder()
        .label(value)
        .xalign(0.0)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::WordChar)
        .selectable(true)
        .max_width_chars(60)
        .name(name)
        .build();
    grid.attach(&v, 1, at, 1, 1);
}

/// Opens the details of process `pid` of the procfs at `root` over `parent`.
pub fn open(parent: &impl IsA<gtk::Window>, root: &Path, pid: u32, name: &str) -> gtk::Window {
    let body = vbox();
    let error = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .name("info-error")
        .build();
    error.add_css_class("error");
    match process_info::read(root, pid) {
        Ok(info) => fill(&body, &info, &error),
        Err(e) => error.set_text(&e.to_string()),
    }
    body.append(&error);
    let window = dialog(parent, &format!("{name} ({pid})"), &body);
    window.present();
    window
}

fn fill(body: &gtk::Box, info: &ProcessInfo, error: &gtk::Label) {
    let grid = gtk::Grid::builder()
        .row_spacing(6)
        .column_spacing(12)
        .build();
    let shown = |r: &Result<String, String>| match r {
        Ok(v) | Err(v) => v.clone(),
    };
    row(&grid, 0, "Command", &info.command, "info-command");
    row(&grid, 1, "Folder", &shown(&info.cwd), "info-cwd");
    row(
        &grid,
        2,
        "Started",
        &process_info::ago(info.started_ago),
        "info-started",
    );
    row(
        &grid,
        3,
        "Threads",
        &info.threads.to_string(),
        "info-threads",
    );
    let files = info
        .open_files
        .as_ref()
        .map_or_else(Clone::clone, |n| n.to_string());
    row(&grid, 4, "Open files", &files, "info-files");
    row(&grid, 5, "Control group", &info.cgroup, "info-cgroup");
    grid.attach(
        &gtk::Label::builder()
            .label("Priority (nice)")
            .xalign(0.0)
            .build(),
        0,
        6,
        1,
        1,
    );
    let nice = gtk::SpinButton::with_range(-20.0, 19.0, 1.0);
    nice.set_value(f64::from(info.nice));
    nice.set_widget_name("info-nice");
    nice.set_tooltip_text(Some(
        "-20 is the most favoured, 19 the least; only an administrator can lower it",
    ));
    let set = gtk::Button::builder()
        .label("Change priority")
        .name("info-set-nice")
        .build();
    let line = gtk::Box::new(gtk::Orientation::Horizontal, 8);
    line.append(&nice);
    line.append(&set);
    grid.attach(&line, 1, 6, 1, 1);
    body.append(&grid);
    let (pid, e) = (info.pid, error.clone());
    set.connect_clicked(
        move |_| match process_info::renice(pid, nice.value_as_int()) {
            Ok(()) => e.set_text(""),
            Err(why) => e.set_text(&why.to_string()),
        },
    );
}
