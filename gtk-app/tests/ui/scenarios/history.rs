//! Graphs start filled after a restart: a first run of the app records history in its data dir;
//! a second run on the same data dir draws what the first one saw before any new reading.

use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::prelude::*;
use psmonitor_gtk::keyring_state::KeyringSource;
use psmonitor_gtk::resources::Resource;
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::Controller;

use crate::harness::{PASSWORD, World, pixels, pump, render, screenshots, wait_until};

fn launch(w: &World, dir: &std::path::Path) -> Rc<Controller> {
    let options = Options {
        data_dir: dir.to_owned(),
        fixture: w.controller.options.fixture.clone(),
        password: Some(PASSWORD.to_owned()),
        known_servers: None,
        keyring: KeyringSource::for_run(true),
        local_processes: None,
    };
    let (_tx, lines) = async_channel::bounded(1);
    Controller::start(&w.app, options, w.controller.level.clone(), lines)
}

fn span(c: &Controller) -> Duration {
    let m = c.main.model.borrow();
    let first = m.history.cpu.points().next();
    let last = m.history.cpu.points().last();
    first
        .zip(last)
        .map_or(Duration::ZERO, |(a, b)| b.0.duration_since(a.0))
}

pub fn graphs_start_filled_after_a_restart(w: &World) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let settings = Settings {
        port: 0,
        interval_ms: 250,
        ..Settings::default()
    };
    settings.save(dir.path()).map_err(|e| e.to_string())?;
    let first = launch(w, dir.path());
    let recorded = wait_until("four seconds recorded", Duration::from_secs(30), || {
        span(&first) >= Duration::from_secs(4)
    });
    first.shutdown();
    first.main.window.close();
    recorded?;
    let started = Instant::now();
    let second = launch(w, dir.path());
    let result = (|| {
        wait_until(
            "graphs filled from /history",
            Duration::from_secs(30),
            || {
                second
                    .main
                    .model
                    .borrow()
                    .history
                    .cpu
                    .points()
                    .next()
                    .is_some_and(|(at, _)| at + Duration::from_secs(2) < started)
            },
        )?;
        second.main.view.borrow().select(Resource::Cpu);
        let graph = second
            .main
            .view
            .borrow()
            .pages
            .graph(Resource::Cpu)
            .ok_or("no CPU graph")?;
        wait_until("the CPU graph on screen", Duration::from_secs(10), || {
            graph.is_mapped() && graph.width() > 100
        })?;
        pump(Duration::from_millis(300));
        let texture = render(&graph)?;
        let _ = texture.save_to_png(screenshots().join("graph-after-restart.png"));
        // The recorded points are drawn: line-coloured pixels before the new run's first reading.
        let drawn = pixels(&texture)
            .iter()
            .filter(|[r, g, b, a]| *a > 200 && *b > 180 && *r < 110 && *g > 100 && *g < 170)
            .count();
        if drawn < 20 {
            return Err(format!("only {drawn} line pixels after the restart"));
        }
        Ok(())
    })();
    second.shutdown();
    second.main.window.close();
    result
}
