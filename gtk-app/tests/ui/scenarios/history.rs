//! Graphs start filled after a restart: a first run of the app records history in its data dir;
//! a second run on the same data dir draws what the first one saw before any new reading, and
//! the seconds the app was not running stay a gap in the graph (no straight line across them).

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
    // The app is not running for a while: nothing is sampled then.
    pump(Duration::from_secs(8));
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
        // Where the app was not running, no line is drawn (the graph's margins: 64 px left,
        // 10 px right; five minutes across).
        let points: Vec<_> = second.main.model.borrow().history.cpu.points().collect();
        let (end, resume) = points
            .windows(2)
            .find(|p| p[1].0.duration_since(p[0].0) > Duration::from_secs(5))
            .map(|p| (p[0].0, p[1].0))
            .ok_or("no gap in the recorded points")?;
        let (w, h) = (texture.width() as usize, texture.height() as usize);
        let now = Instant::now();
        let pw = w as f64 - 74.0;
        let x = |at: Instant| 64.0 + pw * (1.0 - now.duration_since(at).as_secs_f64() / 300.0);
        let (from, to) = (x(end) + 3.0, x(resume) - 3.0);
        if to - from < 4.0 {
            return Err(format!("the gap is only {from:.0}..{to:.0} px"));
        }
        let px = pixels(&texture);
        let across = (from as usize..to as usize)
            .flat_map(|col| (0..h).map(move |row| row * w + col))
            .filter(|&i| {
                let [r, g, b, a] = px[i];
                a > 200 && b > 180 && r < 110 && g > 100 && g < 170
            })
            .count();
        if across > 0 {
            return Err(format!(
                "{across} line pixels across the {:.0} s the app was not running",
                resume.duration_since(end).as_secs_f64()
            ));
        }
        Ok(())
    })();
    second.shutdown();
    second.main.window.close();
    result
}
