//! Remote host windows, refused and unreachable servers, and embedded-server start-up errors.

use std::net::TcpListener;
use std::rc::Rc;
use std::time::Duration;

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::format;
use psmonitor_gtk::gtk::prelude::*;
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::Controller;
use psmonitor_gtk::ui::host_pane::HostPane;
use zeroize::Zeroizing;

use crate::harness::{PASSWORD, REMOTE_HOST, World, golden, text, wait_until};

fn banner(win: &HostPane, what: &str, needles: &[&str]) -> Result<String, String> {
    let mut last = None;
    wait_until(what, Duration::from_secs(20), || {
        last = win.banner_text();
        last.as_deref()
            .is_some_and(|t| needles.iter().all(|n| t.contains(n)))
    })
    .map_err(|e| format!("{e}; banner: {last:?}"))?;
    Ok(last.unwrap_or_default())
}

pub fn remote_host_window_connects(w: &World) -> Result<(), String> {
    let form = w.controller.open_connect();
    form.url
        .set_text(w.remote_url.trim_start_matches("http://"));
    form.password.set_text(PASSWORD);
    form.connect.emit_clicked();
    let remote = w
        .controller
        .remotes
        .borrow()
        .last()
        .cloned()
        .ok_or("no remote window opened")?;
    let g = golden(REMOTE_HOST, "system.json");
    let win = &remote.root;
    let want_title = g["platform"]["hostname"].as_str().unwrap().to_owned();
    wait_until(
        "the remote host's snapshot",
        Duration::from_secs(20),
        || remote.host_name() == want_title && !text(win, "cpu-usage").is_empty(),
    )?;
    let want = format::percent(g["cpu"]["usage"].as_f64().unwrap());
    if text(win, "cpu-usage") != want
        || text(win, "platform-distro") != g["platform"]["distro"].as_str().unwrap()
    {
        return Err(format!(
            "remote window shows {:?} / {:?}",
            text(win, "cpu-usage"),
            text(win, "platform-distro")
        ));
    }
    // One window: it shows the remote host now, the local one is still in the list.
    let title = remote.window.title().unwrap_or_default().to_string();
    if title != format!("PSMonitor - {want_title}") || w.controller.main.host_name() == want_title {
        return Err(format!("window title {title:?}"));
    }
    if remote.window != w.controller.main.window {
        return Err("the remote host opened another window".into());
    }
    if remote.banner_text().is_some() {
        return Err(format!("unexpected banner {:?}", remote.banner_text()));
    }
    // A remote host's processes come from its detailed stream, with no signal menu.
    let procs = remote.view.borrow().processes.clone();
    if procs.has_signal_menu() {
        return Err("a remote host offers the signal menu".into());
    }
    remote.view.borrow().show_page("processes");
    let want = golden(REMOTE_HOST, "detail.json")["procs"]
        .as_array()
        .map_or(0, Vec::len);
    wait_until("the remote processes", Duration::from_secs(10), || {
        procs.displayed().len() == want
    })?;
    w.controller.remove_host(&remote);
    wait_until(
        "the remote host to be forgotten",
        Duration::from_secs(5),
        || w.controller.remotes.borrow().is_empty(),
    )
}

pub fn refused_login_shows_the_banner(w: &World) -> Result<(), String> {
    let remote = w.controller.connect_remote(
        &w.remote_url,
        "PSMonitor",
        Zeroizing::new("wrong".into()),
        false,
    );
    let text = banner(
        &remote,
        "the refused-login banner",
        &["wrong username or password", "credentials show"],
    );
    let action = remote.banner_action();
    crate::harness::pump(Duration::from_millis(400)); // the revealer's transition
    let shot = crate::harness::render(&remote.window).and_then(|t| {
        let path = crate::harness::screenshots().join("banner-refused-login.png");
        t.save_to_png(path).map_err(|e| e.to_string())
    });
    w.controller.remove_host(&remote);
    shot?;
    if action.as_deref() != Some("Connect again…") {
        return Err(format!("banner button {action:?}"));
    }
    text.map(|_| ())
}

pub fn unreachable_host_shows_the_banner(w: &World) -> Result<(), String> {
    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| e.to_string())?
        .local_addr()
        .map_err(|e| e.to_string())?
        .port();
    let remote = w.controller.connect_remote(
        &format!("127.0.0.1:{port}"),
        "PSMonitor",
        Zeroizing::new(PASSWORD.into()),
        false,
    );
    let text = banner(
        &remote,
        "the unreachable banner",
        &["Cannot reach the server", "Reconnecting in"],
    );
    w.controller.remove_host(&remote);
    text.map(|_| ())
}

pub fn invalid_url_says_how_to_write_one(w: &World) -> Result<(), String> {
    let remote = w.controller.connect_remote(
        "not a host:port",
        "PSMonitor",
        Zeroizing::new(PASSWORD.into()),
        false,
    );
    let text = banner(
        &remote,
        "the invalid-URL banner",
        &["not a server address", "http://"],
    );
    w.controller.remove_host(&remote);
    text.map(|_| ())
}

pub fn taken_port_falls_back_to_a_free_one(w: &World) -> Result<(), String> {
    let c = &w.controller;
    let held = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = held.local_addr().map_err(|e| e.to_string())?.port();
    let new = Settings {
        port,
        ..c.settings()
    };
    c.apply_settings(new)?;
    let want = format!("Port {port} is taken: embedded server on http://127.0.0.1:");
    wait_until("the restarted server", Duration::from_secs(20), || {
        c.main.status.text().contains(&want)
    })?;
    // Data flows again from the restarted server.
    let before = c.main.model.borrow().history.cpu.len();
    wait_until(
        "frames from the restarted server",
        Duration::from_secs(20),
        || c.main.model.borrow().history.cpu.len() > before + 1 && c.main.banner_text().is_none(),
    )?;
    drop(held);
    Ok(())
}

pub fn unusable_data_dir_says_what_to_do(w: &World) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").map_err(|e| e.to_string())?;
    let options = Options {
        data_dir: file,
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: None,
        keyring: psmonitor_gtk::keyring_state::KeyringSource::for_run(true),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    let broken: Rc<Controller> =
        Controller::start(&w.app, options, w.controller.level.clone(), lines);
    let result = banner(
        &broken.main,
        "the start-up error banner",
        &["could not start", "data folder"],
    );
    let status = broken.main.status.text();
    let action = broken.main.banner_action();
    broken.shutdown();
    broken.window.window.close();
    result?;
    if action.as_deref() != Some("Settings…") {
        return Err(format!("banner button {action:?}"));
    }
    if status != "Embedded server not running" {
        return Err(format!("status {status:?}"));
    }
    Ok(())
}
