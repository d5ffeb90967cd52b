//! How long the main loop was held up: a 5 ms timer notes how late each of its ticks came. The
//! longest delay is what the user felt as the longest freeze (measuring, `PSMONITOR_STALLS=1`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use gtk::glib;

/// The timer's period.
const TICK: Duration = Duration::from_millis(5);

/// The longest delay seen so far, and since when it is measured.
#[derive(Debug, Default)]
pub struct Stalls {
    longest: Cell<Duration>,
    ticks: Cell<u64>,
}

impl Stalls {
    /// The longest time the main loop did not run the timer beyond its period.
    pub fn longest(&self) -> Duration {
        self.longest.get()
    }

    /// How many ticks were measured.
    pub fn ticks(&self) -> u64 {
        self.ticks.get()
    }
}

/// Starts measuring; logs the longest stall every `report` seconds.
pub fn watch(report: Duration) -> Rc<Stalls> {
    let stalls = Rc::new(Stalls::default());
    let last = Cell::new(Instant::now());
    let reported = Cell::new(Instant::now());
    let recent = Cell::new(Duration::ZERO);
    let s = stalls.clone();
    glib::timeout_add_local(TICK, move || {
        let now = Instant::now();
        let late = now.duration_since(last.replace(now)).saturating_sub(TICK);
        if late > s.longest.get() {
            s.longest.set(late);
        }
        if late > recent.get() {
            recent.set(late);
        }
        s.ticks.set(s.ticks.get() + 1);
        if now.duration_since(reported.get()) >= report {
            reported.set(now);
            tracing::warn!(
                "main loop: longest stall {:.1} ms in the last {} s, {:.1} ms since the start",
                recent.replace(Duration::ZERO).as_secs_f64() * 1000.0,
                report.as_secs(),
                s.longest.get().as_secs_f64() * 1000.0,
            );
        }
        glib::ControlFlow::Continue
    });
    stalls
}
