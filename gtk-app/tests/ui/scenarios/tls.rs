//! A remote host over TLS: the first connection asks whether to trust the self-signed
//! certificate (showing its fingerprint), the answer is remembered in known-servers.toml, a new
//! connection trusts it without asking, and a changed certificate is a red banner, never a
//! silent connection.

use std::time::Duration;

use psmonitor_client::{Fingerprint, KnownServers};
use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::ui::host_pane::HostPane;
use zeroize::Zeroizing;

use crate::harness::{PASSWORD, REMOTE_HOST, World, find, tls_remote_server, wait_until};

/// The open trust dialog's window, if any.
fn trust_dialog() -> Option<gtk::Window> {
    gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|w| w.downcast::<gtk::Window>().ok())
        .find(|w| w.is_visible() && find(w, "trust-accept").is_some())
}

fn live(win: &HostPane) -> bool {
    !crate::harness::text(&win.root, "cpu-usage").is_empty() && win.banner_text().is_none()
}

pub fn tls_host_asks_once_then_is_remembered(w: &World) -> Result<(), String> {
    let (server, _dir) = tls_remote_server(REMOTE_HOST);
    let fingerprint = server.tls().ok_or("the server has no TLS")?.fingerprint();
    let url = format!("https://{}", server.addr());
    let password = || Zeroizing::new(PASSWORD.to_owned());
    let first = w
        .controller
        .connect_remote(&url, "PSMonitor", password(), false);
    wait_until("the trust dialog", Duration::from_secs(20), || {
        trust_dialog().is_some()
    })?;
    let dialog = trust_dialog().ok_or("no trust dialog")?;
    let shown = crate::harness::text(&dialog, "trust-fingerprint");
    if shown != fingerprint.to_string() {
        return Err(format!(
            "the dialog shows {shown:?}, the server has {fingerprint}"
        ));
    }
    let banner = first.banner_text().unwrap_or_default();
    if !banner.contains("not trusted") {
        return Err(format!("banner while asking: {banner:?}"));
    }
    let shot = crate::harness::render(&dialog).and_then(|t| {
        let path = crate::harness::screenshots().join("trust-certificate-dialog.png");
        t.save_to_png(path).map_err(|e| e.to_string())
    });
    find(&dialog, "trust-accept")
        .and_then(|b| b.downcast::<gtk::Button>().ok())
        .ok_or("no Trust button")?
        .emit_clicked();
    wait_until("live data over TLS", Duration::from_secs(20), || {
        live(&first)
    })?;
    shot?;
    let known = KnownServers::load(&w.known_servers).map_err(|e| e.to_string())?;
    let key = KnownServers::key("127.0.0.1", server.addr().port());
    if known.get(&key) != Some(fingerprint) {
        return Err(format!(
            "known-servers.toml has {:?} for {key}",
            known.get(&key)
        ));
    }
    w.controller.remove_host(&first);
    // A new connection (as after a restart of the app) trusts it without asking.
    let again = w
        .controller
        .connect_remote(&url, "PSMonitor", password(), false);
    wait_until("live data without asking", Duration::from_secs(20), || {
        live(&again)
    })?;
    if trust_dialog().is_some() {
        return Err("the trust dialog came back for a remembered certificate".into());
    }
    w.controller.remove_host(&again);
    // The certificate changes (a wrong fingerprint is remembered): red banner, no dialog.
    let mut known = KnownServers::load(&w.known_servers).map_err(|e| e.to_string())?;
    let other: Fingerprint = "AB".repeat(32).parse().map_err(|e| format!("{e}"))?;
    known.insert(&key, other);
    known.save().map_err(|e| e.to_string())?;
    let changed = w
        .controller
        .connect_remote(&url, "PSMonitor", password(), false);
    wait_until(
        "the changed-certificate banner",
        Duration::from_secs(20),
        || {
            changed
                .banner_text()
                .is_some_and(|t| t.contains("certificate changed"))
        },
    )?;
    crate::harness::pump(Duration::from_millis(300));
    if trust_dialog().is_some() || !changed.model.borrow().history.cpu.is_empty() {
        return Err("a changed certificate must not connect or ask".into());
    }
    w.controller.remove_host(&changed);
    let _ = server.stop();
    Ok(())
}
