//! The main window on the embedded server replaying the local fixture host.

use std::time::Duration;

use psmonitor_gtk::format;
use psmonitor_gtk::gtk::{self, prelude::*};

use crate::harness::{
    LOCAL_HOST, PASSWORD, World, find, golden, pixels, pump, render, screenshots, text, wait_until,
};

fn check(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: shown {got:?}, expected {want:?}"))
    }
}

pub fn main_window_shows_the_fixture_host(w: &World) -> Result<(), String> {
    let win = &w.controller.main.window;
    let g = golden(LOCAL_HOST, "system.json");
    wait_until("the first snapshot", Duration::from_secs(20), || {
        text(win, "platform-distro") != "…" && text(win, "cpu-usage") != "…"
    })?;
    let status = w.controller.main.status.text();
    if !status.contains("Embedded server on http://127.0.0.1:") {
        return Err(format!("status line: {status:?}"));
    }
    let want_title = format!(
        "PSMonitor - {}",
        g["platform"]["hostname"].as_str().unwrap()
    );
    check("title", win.title().as_deref().unwrap_or(""), &want_title)?;
    check(
        "distro",
        &text(win, "platform-distro"),
        g["platform"]["distro"].as_str().unwrap(),
    )?;
    check(
        "kernel",
        &text(win, "platform-kernel"),
        g["platform"]["kernel"].as_str().unwrap(),
    )?;
    check(
        "user",
        &text(win, "platform-user"),
        g["user"].as_str().unwrap(),
    )?;
    check(
        "cpu usage",
        &text(win, "cpu-usage"),
        &format::percent(g["cpu"]["usage"].as_f64().unwrap()),
    )?;
    check(
        "cpu freq",
        &text(win, "cpu-freq"),
        &format::mhz(g["cpu"]["freq"].as_f64()),
    )?;
    check(
        "cpu temp",
        &text(win, "cpu-temp"),
        &format::celsius(g["cpu"]["temp"].as_f64()),
    )?;
    let mem: psmonitor_core::wire::UsageStats = serde_json::from_value(g["mem"].clone()).unwrap();
    check("memory", &text(win, "mem-usage"), &format::usage(&mem))?;
    let disk: psmonitor_core::wire::UsageStats = serde_json::from_value(g["disk"].clone()).unwrap();
    check("disk", &text(win, "disk-usage"), &format::usage(&disk))?;
    let cores = g["cpu"]["cores"].as_array().unwrap().len();
    for i in 0..cores {
        let bar = find(win, &format!("core-{i}"))
            .and_then(|b| b.downcast::<gtk::LevelBar>().ok())
            .ok_or(format!("no bar for core {i}"))?;
        let want = g["cpu"]["cores"][i].as_f64().unwrap();
        if (bar.value() - want).abs() > 0.01 {
            return Err(format!("core {i}: bar at {}, expected {want}", bar.value()));
        }
    }
    wait_until("the network panel", Duration::from_secs(10), || {
        text(win, "net-wlan0-rate").contains("/s") && text(win, "net-wlan0-total").contains("total")
    })?;
    let names: Vec<String> = w
        .controller
        .main
        .view
        .borrow()
        .processes
        .displayed()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let want: Vec<String> = g["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    if names != want {
        return Err(format!("process rows {names:?}, expected {want:?}"));
    }
    Ok(())
}

pub fn process_table_sorts_by_each_column(w: &World) -> Result<(), String> {
    let view = w.controller.main.view.borrow();
    let table = &view.processes;
    let col = |i: usize| table.columns.get(i).cloned().ok_or("missing column");
    table
        .root
        .sort_by_column(Some(&col(1)?), gtk::SortType::Ascending);
    let names: Vec<String> = table.displayed().into_iter().map(|p| p.name).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    if names != sorted || names.is_empty() {
        return Err(format!("by name ascending: {names:?}"));
    }
    table
        .root
        .sort_by_column(Some(&col(0)?), gtk::SortType::Descending);
    let pids: Vec<u32> = table.displayed().into_iter().map(|p| p.pid).collect();
    if !pids.windows(2).all(|p| p[0] >= p[1]) {
        return Err(format!("by pid descending: {pids:?}"));
    }
    table
        .root
        .sort_by_column(Some(&col(3)?), gtk::SortType::Ascending);
    let mem: Vec<f64> = table.displayed().into_iter().map(|p| p.mem).collect();
    if !mem.windows(2).all(|m| m[0] <= m[1]) {
        return Err(format!("by memory ascending: {mem:?}"));
    }
    table
        .root
        .sort_by_column(Some(&col(2)?), gtk::SortType::Ascending);
    let users: Vec<String> = table.displayed().into_iter().map(|p| p.username).collect();
    if !users.windows(2).all(|u| u[0] <= u[1]) {
        return Err(format!("by user ascending: {users:?}"));
    }
    // Back to the server's order (memory, largest first) for the screenshot.
    table
        .root
        .sort_by_column(Some(&col(3)?), gtk::SortType::Descending);
    Ok(())
}

pub fn graph_window_draws_the_history(w: &World) -> Result<(), String> {
    let main = &w.controller.main;
    wait_until("two CPU readings", Duration::from_secs(10), || {
        main.model.borrow().history.cpu.len() >= 2
    })?;
    // Four minutes of made-up history before the live readings, so the line spans the graph.
    {
        let mut model = main.model.borrow_mut();
        let now = std::time::Instant::now();
        let mut series = psmonitor_gtk::history::Series::default();
        for i in (1..=240u64).rev() {
            if let Some(at) = now.checked_sub(Duration::from_secs(i)) {
                series.push(at, 30.0 + 20.0 * ((i as f64) / 20.0).sin());
            }
        }
        for (at, v) in model.history.cpu.points() {
            series.push(at, v);
        }
        model.history.cpu = series;
    }
    let areas = main.show_graphs();
    let cpu = areas.first().ok_or("no graphs")?.clone();
    wait_until("the CPU graph on screen", Duration::from_secs(10), || {
        cpu.is_mapped() && cpu.width() > 100
    })?;
    pump(Duration::from_millis(300));
    let title = text(&cpu.root().ok_or("graph has no window")?, "graph-title-Cpu");
    let usage = golden(crate::harness::LOCAL_HOST, "system.json")["cpu"]["usage"]
        .as_f64()
        .unwrap();
    if title != format!("CPU usage: {}", format::percent(usage)) {
        return Err(format!("graph title {title:?}"));
    }
    let texture = render(&cpu)?;
    let line = pixels(&texture)
        .iter()
        .filter(|[r, g, b, a]| {
            *a > 200
                && (*r as i32 - 54).abs() < 30
                && (*g as i32 - 133).abs() < 30
                && (*b as i32 - 227).abs() < 30
        })
        .count();
    let path = screenshots().join("graph-cpu.png");
    texture.save_to_png(&path).map_err(|e| e.to_string())?;
    if line < 300 {
        return Err(format!(
            "only {line} pixels of the CPU line colour (see {})",
            path.display()
        ));
    }
    // Every tab draws without error.
    let notebook = main.graph_notebook().ok_or("no notebook")?;
    for page in 1..notebook.n_pages() {
        notebook.set_current_page(Some(page));
        let area = areas[page as usize].clone();
        wait_until("the next graph", Duration::from_secs(5), || {
            area.is_mapped() && area.width() > 100
        })?;
        pump(Duration::from_millis(100));
        let t = render(&area)?;
        let name = format!("graph-{page}.png");
        t.save_to_png(screenshots().join(name))
            .map_err(|e| e.to_string())?;
    }
    if let Some(win) = cpu.root().and_then(|r| r.downcast::<gtk::Window>().ok()) {
        win.close();
    }
    Ok(())
}

pub fn main_window_screenshot(w: &World) -> Result<(), String> {
    let win = &w.controller.main.window;
    win.set_default_size(760, 900);
    pump(Duration::from_millis(500));
    let texture = render(win)?;
    let path = screenshots().join("main-window.png");
    texture.save_to_png(&path).map_err(|e| e.to_string())?;
    win.set_default_size(1280, 900);
    pump(Duration::from_millis(500));
    render(win)?
        .save_to_png(screenshots().join("main-window-1280x900.png"))
        .map_err(|e| e.to_string())?;
    win.set_default_size(460, 480);
    pump(Duration::from_millis(500));
    let small = render(win)?;
    small
        .save_to_png(screenshots().join("main-window-460x480.png"))
        .map_err(|e| e.to_string())?;
    if small.width() > 520 {
        return Err(format!(
            "window did not shrink to 460 wide: {}",
            small.width()
        ));
    }
    win.set_default_size(760, 640);
    Ok(())
}

pub fn credentials_and_log_windows(w: &World) -> Result<(), String> {
    let creds = w.controller.open_credentials();
    let password = find(&creds, "cred-password")
        .and_then(|e| e.downcast::<gtk::Entry>().ok())
        .map(|e| e.text().to_string())
        .unwrap_or_default();
    creds.close();
    if password != PASSWORD {
        return Err(format!("credentials window shows {password:?}"));
    }
    let log = w.controller.open_log();
    let view = find(&log, "log-text")
        .and_then(|v| v.downcast::<gtk::TextView>().ok())
        .ok_or("no log text")?;
    let buffer = view.buffer();
    let content = buffer
        .text(&buffer.start_iter(), &buffer.end_iter(), false)
        .to_string();
    log.close();
    if !content.contains("Embedded server on http://127.0.0.1:") {
        return Err(format!("log window lacks the start line: {content:?}"));
    }
    Ok(())
}
