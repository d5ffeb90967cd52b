//! How long the main loop was held up: a 5 ms timer notes how late each of its ticks came. The
//! longest delay is what the user felt as the longest freeze (measuring, `PSMONITOR_STALLS=1`).
//! On a loaded machine part of a delay is time the thread waited for a core, not work; so the
//! main thread's own CPU time between two ticks is noted too: the longest of those is the
//! longest the app itself kept the main loop busy.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use gtk::glib;

/// The timer's period.
const TICK: Duration = Duration::from_millis(5);

/// A stall longer than this (the UI budget: one frame at 60 Hz) is logged on its own.
const BUDGET: Duration = Duration::from_millis(16);

/// The longest delay seen so far, and since when it is measured.
#[derive(Debug, Default)]
pub struct Stalls {
    longest: Cell<Duration>,
    busiest: Cell<Duration>,
    ticks: Cell<u64>,
}

impl Stalls {
    /// The longest time the main loop did not run the timer beyond its period.
    pub fn longest(&self) -> Duration {
        self.longest.get()
    }

    /// The most CPU time the main thread used between two ticks (its longest stretch of work,
    /// whether or not it was also kept waiting for a core).
    pub fn busiest(&self) -> Duration {
        self.busiest.get()
    }

    /// How many ticks were measured.
    pub fn ticks(&self) -> u64 {
        self.ticks.get()
    }
}

/// The CPU time the calling thread has used.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// Starts measuring; logs the longest stall every `report` seconds.
pub fn watch(report: Duration) -> Rc<Stalls> {
    let stalls = Rc::new(Stalls::default());
    let started = Instant::now();
    let last = Cell::new(started);
    let reported = Cell::new(Instant::now());
    let recent = Cell::new(Duration::ZERO);
    let cpu = Cell::new(thread_cpu());
    let recent_busy = Cell::new(Duration::ZERO);
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
        let used = thread_cpu();
        let busy = used.saturating_sub(cpu.replace(used));
        if busy > s.busiest.get() {
            s.busiest.set(busy);
        }
        if busy > recent_busy.get() {
            recent_busy.set(busy);
        }
        if late > BUDGET || busy > BUDGET {
            tracing::warn!(
                "main loop: a stall of {:.1} ms (busy {:.1} ms) at +{:.2} s",
                late.as_secs_f64() * 1000.0,
                busy.as_secs_f64() * 1000.0,
                now.duration_since(started).as_secs_f64(),
            );
        }
        s.ticks.set(s.ticks.get() + 1);
        if now.duration_since(reported.get()) >= report {
            reported.set(now);
            tracing::warn!(
                "main loop: longest stall {:.1} ms in the last {} s, {:.1} ms since the start; \
                 busiest {:.1} ms in the last {} s, {:.1} ms since the start",
                recent.replace(Duration::ZERO).as_secs_f64() * 1000.0,
                report.as_secs(),
                s.longest.get().as_secs_f64() * 1000.0,
                recent_busy.replace(Duration::ZERO).as_secs_f64() * 1000.0,
                report.as_secs(),
                s.busiest.get().as_secs_f64() * 1000.0,
            );
        }
        glib::ControlFlow::Continue
    });
    stalls
}
