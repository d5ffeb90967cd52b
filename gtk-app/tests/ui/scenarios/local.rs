//! The main window on the embedded server replaying the local fixture host.

use std::time::Duration;

use psmonitor_gtk::format::{self, Units};
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::resources::Resource;

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

/// The pixels of `area` in the first line colour (the palette's blue).
fn line_pixels(area: &gtk::DrawingArea) -> Result<usize, String> {
    let texture = render(area)?;
    Ok(pixels(&texture)
        .iter()
        .filter(|[r, g, b, a]| {
            // Premultiplied: compare the colour at full opacity.
            let full = |c: u8| i32::from(c) * 255 / i32::from((*a).max(1));
            *a > 100
                && (full(*r) - 54).abs() < 40
                && (full(*g) - 133).abs() < 40
                && (full(*b) - 227).abs() < 40
        })
        .count())
}

pub fn main_window_shows_the_fixture_host(w: &World) -> Result<(), String> {
    let win = &w.controller.main.window;
    let g = golden(LOCAL_HOST, "system.json");
    let d = golden(LOCAL_HOST, "detail.json");
    wait_until("the first detailed frame", Duration::from_secs(20), || {
        !text(win, "platform-distro").is_empty()
            && !text(win, "cpu-usage").is_empty()
            && !text(win, "gpu-1-busy").is_empty()
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
    let units = Units::default();
    let usage = format::percent(g["cpu"]["usage"].as_f64().unwrap());
    check("cpu usage", &text(win, "cpu-usage"), &usage)?;
    check("sidebar cpu", &text(win, "side-cpu-value"), &usage)?;
    check(
        "cpu freq",
        &text(win, "cpu-freq"),
        &format::mhz(g["cpu"]["freq"].as_f64()),
    )?;
    check(
        "cpu temp",
        &text(win, "cpu-temp"),
        &units.temp(g["cpu"]["temp"].as_f64()),
    )?;
    let mem: psmonitor_core::wire::UsageStats = serde_json::from_value(g["mem"].clone()).unwrap();
    check("memory", &text(win, "mem-usage"), &units.usage(&mem))?;
    check(
        "sidebar memory",
        &text(win, "side-memory-value"),
        &format::percent(mem.percent),
    )?;
    let disk: psmonitor_core::wire::UsageStats = serde_json::from_value(g["disk"].clone()).unwrap();
    check("disk", &text(win, "disk-usage"), &units.usage(&disk))?;
    wait_until("the network rows", Duration::from_secs(10), || {
        text(win, "net-wlan0-rate").contains("/s") && text(win, "net-wlan0-total").contains("total")
    })?;
    // The sidebar lists what the host has: two GPUs, sensors and batteries on this one.
    let shown = w.controller.main.view.borrow().sidebar.resources();
    let gpus = d["gpus"].as_array().unwrap();
    // A page per block device after Disks, per interface (not lo) after Network.
    let mut want = vec![
        Resource::Cpu,
        Resource::Memory,
        Resource::Disks,
        Resource::Disk(0),
        Resource::Network,
        Resource::Interface(0),
        Resource::Interface(1),
        Resource::Interface(2),
    ];
    want.extend((0..gpus.len()).map(Resource::Gpu));
    want.extend([Resource::Sensors, Resource::Battery]);
    if shown != want {
        return Err(format!("sidebar {shown:?}, expected {want:?}"));
    }
    check(
        "sidebar gpu 1",
        &text(win, "side-gpu-1-value"),
        &format::percent(gpus[1]["busy"].as_f64().unwrap()),
    )?;
    check(
        "sidebar gpu 0 (no busy figure)",
        &text(win, "side-gpu-0-value"),
        "n/a",
    )?;
    check(
        "gpu 1 temperature",
        &text(win, "gpu-1-temp"),
        &units.temp(gpus[1]["temp"].as_f64()),
    )?;
    let bat = &d["battery"][0];
    check(
        "battery",
        &text(win, "battery-BAT0"),
        &format!(
            "{}, {}, {:.2} W",
            format::percent(bat["percent"].as_f64().unwrap()),
            bat["state"].as_str().unwrap(),
            bat["power"].as_f64().unwrap()
        ),
    )?;
    let temp = &d["sensors"]["temps"][0];
    let key = format!(
        "sensor-{} {}",
        temp["chip"].as_str().unwrap(),
        temp["label"].as_str().unwrap()
    );
    check(
        "first sensor",
        &text(win, &key),
        &units.temp(temp["celsius"].as_f64()),
    )?;
    // Every mini-graph of the sidebar draws its line.
    // Six seconds of readings: a tenth of the mini-graphs' minute.
    wait_until("six seconds of readings", Duration::from_secs(20), || {
        let m = w.controller.main.model.borrow();
        m.history
            .cpu
            .points()
            .next()
            .zip(m.history.cpu.points().last())
            .is_some_and(|(a, b)| b.0.duration_since(a.0) >= Duration::from_secs(6))
    })?;
    pump(Duration::from_millis(300));
    for r in [
        Resource::Cpu,
        Resource::Memory,
        Resource::Gpu(1),
        Resource::Battery,
    ] {
        let area = w
            .controller
            .main
            .view
            .borrow()
            .sidebar
            .graph(r)
            .ok_or(format!("no mini-graph for {r:?}"))?;
        let n = line_pixels(&area)?;
        if n < 10 {
            return Err(format!("the {r:?} mini-graph draws {n} line pixels"));
        }
    }
    Ok(())
}

pub fn cpu_page_shows_each_core(w: &World) -> Result<(), String> {
    let main = &w.controller.main;
    let win = &main.window;
    let d = golden(LOCAL_HOST, "detail.json");
    if !main.view.borrow().select(Resource::Cpu) {
        return Err("no CPU row".into());
    }
    let cores = d["cpu"]["cores"].as_array().unwrap();
    wait_until("the per-core view", Duration::from_secs(10), || {
        find(win, &format!("core-{}-graph", cores.len() - 1)).is_some_and(|g| g.is_mapped())
    })?;
    for (i, v) in cores.iter().enumerate() {
        let want = format!("CPU {i} · {}", format::percent(v.as_f64().unwrap()));
        check(
            &format!("core {i}"),
            &text(win, &format!("core-{i}")),
            &want,
        )?;
    }
    if find(win, &format!("core-{}", cores.len())).is_some() {
        return Err("more cores shown than the host has".into());
    }
    pump(Duration::from_millis(300));
    let core0 = find(win, "core-0-graph")
        .and_then(|g| g.downcast::<gtk::DrawingArea>().ok())
        .ok_or("no graph for core 0")?;
    let n = line_pixels(&core0)?;
    if n < 10 {
        return Err(format!("core 0's graph draws {n} line pixels"));
    }
    Ok(())
}

pub fn resource_graph_draws_the_history(w: &World) -> Result<(), String> {
    let main = &w.controller.main;
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
    main.view.borrow().select(Resource::Cpu);
    let cpu = main
        .view
        .borrow()
        .pages
        .graph(Resource::Cpu)
        .ok_or("no CPU graph")?;
    wait_until("the CPU graph on screen", Duration::from_secs(10), || {
        cpu.is_mapped() && cpu.width() > 100
    })?;
    pump(Duration::from_millis(300));
    let texture = render(&cpu)?;
    let path = screenshots().join("graph-cpu.png");
    texture.save_to_png(&path).map_err(|e| e.to_string())?;
    let line = line_pixels(&cpu)?;
    if line < 300 {
        return Err(format!(
            "only {line} pixels of the CPU line colour (see {})",
            path.display()
        ));
    }
    Ok(())
}

pub fn main_window_screenshot(w: &World) -> Result<(), String> {
    let main = &w.controller.main;
    let win = &main.window;
    win.set_default_size(1100, 760);
    for (r, name) in [
        (Resource::Cpu, "page-cpu.png"),
        (Resource::Memory, "page-memory.png"),
        (Resource::Network, "page-network.png"),
        (Resource::Gpu(1), "page-gpu.png"),
        (Resource::Sensors, "page-sensors.png"),
        (Resource::Battery, "page-battery.png"),
    ] {
        main.view.borrow().select(r);
        pump(Duration::from_millis(400));
        render(win)?
            .save_to_png(screenshots().join(name))
            .map_err(|e| e.to_string())?;
    }
    main.view.borrow().select(Resource::Cpu);
    win.set_default_size(760, 480);
    pump(Duration::from_millis(500));
    let small = render(win)?;
    small
        .save_to_png(screenshots().join("main-window-760x480.png"))
        .map_err(|e| e.to_string())?;
    if small.width() > 800 {
        return Err(format!(
            "window did not shrink to 760 wide: {}",
            small.width()
        ));
    }
    win.set_default_size(900, 640);
    Ok(())
}

pub fn credentials_and_log_windows(w: &World) -> Result<(), String> {
    let creds = w.controller.open_credentials();
    let entry = find(&creds, "cred-password").and_then(|e| e.downcast::<gtk::Entry>().ok());
    let (password, visible) = entry
        .map(|e| (e.text().to_string(), e.property::<bool>("visibility")))
        .unwrap_or_default();
    creds.close();
    if password != PASSWORD || visible {
        return Err(format!(
            "credentials window shows {password:?} (in clear: {visible})"
        ));
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

pub fn each_disk_and_interface_has_its_page(w: &World) -> Result<(), String> {
    let main = &w.controller.main;
    let win = &main.window;
    // The fixture host: one block device (nvme0n1), interfaces docker0, enp3s0, wlan0 (and lo).
    wait_until("a page per device", Duration::from_secs(20), || {
        let shown = main.view.borrow().sidebar.resources();
        shown.contains(&Resource::Disk(0)) && shown.contains(&Resource::Interface(2))
    })?;
    if main
        .view
        .borrow()
        .sidebar
        .resources()
        .contains(&Resource::Interface(3))
    {
        return Err("lo has a page".into());
    }
    main.view.borrow().select(Resource::Disk(0));
    pump(Duration::from_millis(300));
    let g = golden(LOCAL_HOST, "detail.json");
    let busy = g["disk_io"][0]["busy_percent"].as_f64().unwrap_or_default();
    let shown = (
        text(win, "disk-nvme0n1-busy"),
        text(win, "disk-nvme0n1-read"),
        text(win, "disk-/home"),
    );
    if shown.0 != format::percent(busy) || shown.1 != "1.0 MiB/s" || shown.2.is_empty() {
        return Err(format!("the disk page shows {shown:?}"));
    }
    // What the disk is, from the detailed stream's disk_info.
    let model = g["disk_info"][0]["model"].as_str().unwrap_or_default();
    if text(win, "disk-nvme0n1-model") != model || text(win, "disk-nvme0n1-size").is_empty() {
        return Err(format!(
            "the disk page shows model {:?}, size {:?}",
            text(win, "disk-nvme0n1-model"),
            text(win, "disk-nvme0n1-size")
        ));
    }
    render(win)?
        .save_to_png(screenshots().join("page-disk.png"))
        .map_err(|e| e.to_string())?;
    main.view.borrow().select(Resource::Interface(2));
    pump(Duration::from_millis(300));
    let rx = text(win, "iface-wlan0-rx");
    if rx != "1.3 MiB/s" || text(win, "iface-wlan0-total").is_empty() {
        return Err(format!("the wlan0 page shows {rx:?}"));
    }
    // What the interface is, from net_info: a wireless link has no speed.
    let identity = (
        text(win, "iface-wlan0-ipv4"),
        text(win, "iface-wlan0-mac"),
        text(win, "iface-wlan0-speed"),
    );
    let wlan0 = g["net_info"]
        .as_array()
        .and_then(|all| all.iter().find(|n| n["name"] == "wlan0"))
        .ok_or("no wlan0 in the golden's net_info")?;
    if identity.0 != wlan0["ipv4"][0] || identity.1 != wlan0["mac"] || identity.2 != "unknown" {
        return Err(format!("the wlan0 page shows {identity:?}"));
    }
    render(win)?
        .save_to_png(screenshots().join("page-interface.png"))
        .map_err(|e| e.to_string())?;
    // This computer's memory breakdown, from its procfs.
    main.view.borrow().select(Resource::Memory);
    wait_until("the memory breakdown", Duration::from_secs(10), || {
        [
            "mem-used",
            "mem-cache",
            "mem-buffers",
            "mem-unused",
            "mem-swap-used",
        ]
        .iter()
        .all(|n| !text(win, n).is_empty())
    })?;
    let total = psmonitor_gtk::meminfo::read(std::path::Path::new("/proc"))
        .ok_or("no /proc/meminfo")?
        .total;
    if total <= 0.0 || !text(win, "mem-cache").ends_with('B') {
        return Err(format!(
            "the breakdown shows cache {:?}",
            text(win, "mem-cache")
        ));
    }
    render(win)?
        .save_to_png(screenshots().join("page-memory-breakdown.png"))
        .map_err(|e| e.to_string())?;
    main.view.borrow().select(Resource::Cpu);
    Ok(())
}
