//! Line graphs of the last five minutes, drawn with cairo: the large graph of a resource page
//! (grid, scale, time axis, legend) and the mini-graphs of the sidebar and the per-core view.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use gtk::cairo;
use gtk::prelude::*;

use crate::format::Units;
use crate::history::{Series, WINDOW};
use crate::model::ViewModel;
use crate::resources::{Resource, Scale};

/// What a drawing area shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// A resource's series.
    Resource(Resource),
    /// One logical CPU.
    Core(usize),
}

/// The series of `what` and its scale.
pub fn lines(what: What, vm: &ViewModel) -> (Vec<(&Series, &'static str)>, Scale) {
    match what {
        What::Resource(r) => (r.series(vm), r.scale()),
        What::Core(i) => (
            vm.history
                .cores
                .get(i)
                .map(|s| vec![(s, "usage")])
                .unwrap_or_default(),
            Scale::Percent,
        ),
    }
}

/// The host's model and the units, as the drawing functions read them.
#[derive(Clone, Debug)]
pub struct Shared {
    /// The view model.
    pub model: Rc<RefCell<ViewModel>>,
    /// The units from Preferences.
    pub units: Rc<Cell<Units>>,
}

/// A drawing area that draws `what` from `shared` in `style`.
pub fn area(shared: &Shared, what: What, style: Style, name: &str) -> gtk::DrawingArea {
    let area = gtk::DrawingArea::builder().hexpand(true).name(name).build();
    let shared = shared.clone();
    area.set_draw_func(move |area, cr, w, h| {
        let vm = shared.model.borrow();
        let (lines, scale) = lines(what, &vm);
        let fg = foreground(area);
        let units = shared.units.get();
        let _ = draw(cr, w, h, &lines, scale, units, style, fg, Instant::now());
    });
    area
}

/// How far back the mini-graphs look.
pub const MINI_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Line colours, in the order of a resource's series.
pub const PALETTE: [(f64, f64, f64); 4] = [
    (0.21, 0.52, 0.89),
    (0.75, 0.11, 0.16),
    (0.15, 0.64, 0.41),
    (0.88, 0.38, 0.0),
];

/// Whether to draw the axes and legend (large graph) or only the lines (mini-graph).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Grid, scale labels, time axis and legend.
    Full,
    /// Only the filled lines of the last [`MINI_WINDOW`].
    Mini,
}

/// The foreground colour of `widget` (for grid and text).
pub fn foreground(widget: &impl IsA<gtk::Widget>) -> gtk::gdk::RGBA {
    #[allow(deprecated)] // gtk_widget_get_color is 4.10; we target 4.8.
    widget.as_ref().style_context().color()
}

/// The top of the scale for `lines` and the step between its labelled lines, both round in the
/// unit shown (e.g. 4 MiB/s in steps of 1 MiB/s, or 5 Mbit/s in steps of 1 Mbit/s).
pub fn axis(lines: &[(&Series, &str)], scale: Scale, units: Units) -> (f64, f64) {
    let max = lines
        .iter()
        .filter_map(|(s, _)| s.max())
        .fold(0.0, f64::max);
    axis_for(max, scale, units)
}

/// [`axis`] for a largest value `max`.
pub fn axis_for(max: f64, scale: Scale, units: Units) -> (f64, f64) {
    match scale {
        Scale::Percent => (100.0, 25.0),
        Scale::Temperature => {
            let top = (max / 20.0).ceil() * 20.0;
            (top.max(100.0), 20.0)
        }
        Scale::Rate { network } => {
            // In the unit shown: bits or bytes, powers of 1000 or 1024.
            let factor = if network && units.network_bits {
                8.0
            } else {
                1.0
            };
            let base: f64 = if units.base10 { 1000.0 } else { 1024.0 };
            let shown = max.max(1024.0) * factor * 1.05;
            let mut unit = 1.0;
            while shown / unit >= base {
                unit *= base;
            }
            let x = shown / unit;
            let step = round_step(x / 4.0);
            let top = (x / step).ceil() * step;
            (top * unit / factor, step * unit / factor)
        }
    }
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `v`.
fn round_step(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * p)
}

/// The runs of `points` to draw as lines: split where a reading is missing (NaN) and where
/// time jumps by more than four usual intervals (at least 3 s), e.g. while the app was not
/// running, so no straight line is drawn across time with no readings.
pub fn runs(points: &[(Instant, f64)]) -> Vec<Vec<(Instant, f64)>> {
    let mut deltas: Vec<f64> = points
        .windows(2)
        .map(|w| w[1].0.saturating_duration_since(w[0].0).as_secs_f64())
        .filter(|d| *d > 0.0)
        .collect();
    deltas.sort_by(f64::total_cmp);
    let usual = deltas.get(deltas.len() / 2).copied().unwrap_or(1.0);
    let gap = (usual * 4.0).max(3.0);
    let mut out: Vec<Vec<(Instant, f64)>> = Vec::new();
    let mut last: Option<Instant> = None;
    for &(at, v) in points {
        if v.is_nan() {
            last = None;
            continue;
        }
        let apart = last.is_none_or(|l| at.saturating_duration_since(l).as_secs_f64() > gap);
        if apart || out.is_empty() {
            out.push(Vec::new());
        }
        if let Some(run) = out.last_mut() {
            run.push((at, v));
        }
        last = Some(at);
    }
    out
}

/// Draws `lines` on a `w`×`h` area, five minutes ending at `now`.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    cr: &cairo::Context,
    w: i32,
    h: i32,
    lines: &[(&Series, &str)],
    scale: Scale,
    units: Units,
    style: Style,
    fg: gtk::gdk::RGBA,
    now: Instant,
) -> Result<(), cairo::Error> {
    let (w, h) = (f64::from(w), f64::from(h));
    let (left, right, top, bottom) = match style {
        Style::Full => (64.0, 10.0, 10.0, 22.0),
        Style::Mini => (1.0, 1.0, 2.0, 1.0),
    };
    let (pw, ph) = ((w - left - right).max(1.0), (h - top - bottom).max(1.0));
    let (max, step) = axis(lines, scale, units);
    let (r, g, b) = (fg.red().into(), fg.green().into(), fg.blue().into());
    cr.set_source_rgba(r, g, b, 0.04);
    cr.rectangle(left, top, pw, ph);
    cr.fill()?;
    if style == Style::Full {
        let label = |v: f64| match scale {
            Scale::Percent => format!("{v:.0} %"),
            Scale::Temperature => units.temp(Some(v)),
            Scale::Rate { network: true } => units.net_rate(v),
            Scale::Rate { network: false } => units.rate(v),
        };
        cr.set_line_width(1.0);
        cr.set_font_size(12.0);
        let count = (max / step).round().max(1.0) as i32;
        for i in 0..=count {
            let value = step * f64::from(i);
            let y = top + ph * (1.0 - value / max);
            cr.set_source_rgba(r, g, b, 0.15);
            cr.move_to(left, y.round() + 0.5);
            cr.line_to(left + pw, y.round() + 0.5);
            cr.stroke()?;
            cr.set_source_rgba(r, g, b, 0.85);
            cr.move_to(4.0, y + 4.0);
            cr.show_text(&label(value))?;
        }
        for (i, text) in ["-5 min", "-2.5 min", "now"].iter().enumerate() {
            let x = left + pw * i as f64 / 2.0 - if i == 2 { 20.0 } else { 0.0 };
            cr.move_to(x, h - 6.0);
            cr.show_text(text)?;
        }
        if lines.len() > 1 {
            for (i, ((_, legend), (lr, lg, lb))) in lines.iter().zip(PALETTE).enumerate() {
                cr.set_source_rgb(lr, lg, lb);
                cr.move_to(left + 8.0 + 90.0 * i as f64, top + 14.0);
                cr.show_text(legend)?;
            }
        }
        if lines.iter().all(|(s, _)| s.is_empty()) {
            cr.set_source_rgba(r, g, b, 0.7);
            cr.move_to(left + pw / 2.0 - 40.0, top + ph / 2.0);
            cr.show_text("no readings yet")?;
        }
    }
    let window = match style {
        Style::Full => WINDOW.as_secs_f64(),
        Style::Mini => MINI_WINDOW.as_secs_f64(),
    };
    let x_of = |age: f64| left + pw * (1.0 - age / window).max(0.0);
    let y_of = |v: f64| top + ph * (1.0 - (v / max).clamp(0.0, 1.0));
    cr.set_line_width(if style == Style::Full { 2.0 } else { 1.2 });
    for ((series, _), (lr, lg, lb)) in lines.iter().zip(PALETTE) {
        let points: Vec<(Instant, f64)> = series.points().collect();
        let runs = runs(&points);
        for run in &runs {
            let xy: Vec<(f64, f64)> = run
                .iter()
                .map(|&(at, v)| {
                    let age = now.saturating_duration_since(at).as_secs_f64();
                    (x_of(age), y_of(v))
                })
                .collect();
            let (Some(&(x0, _)), Some(&(x1, _))) = (xy.first(), xy.last()) else {
                continue;
            };
            cr.new_path();
            for &(x, y) in &xy {
                cr.line_to(x, y);
            }
            cr.line_to(x1, top + ph);
            cr.line_to(x0, top + ph);
            cr.close_path();
            cr.set_source_rgba(lr, lg, lb, 0.18);
            cr.fill()?;
            cr.new_path();
            for &(x, y) in &xy {
                cr.line_to(x, y);
            }
            cr.set_source_rgb(lr, lg, lb);
            cr.stroke()?;
        }
        let newest = points.last().filter(|p| !p.1.is_nan());
        if style == Style::Full
            && let Some(&(at, v)) = newest
        {
            let age = now.saturating_duration_since(at).as_secs_f64();
            cr.arc(x_of(age), y_of(v), 3.0, 0.0, std::f64::consts::TAU);
            cr.fill()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;

    fn labels(max: f64, scale: Scale, units: Units) -> Vec<f64> {
        let (top, step) = axis_for(max, scale, units);
        let n = (top / step).round() as i32;
        (0..=n).map(|i| step * f64::from(i)).collect()
    }

    #[test]
    fn axis_lines_are_round_in_the_unit_shown() {
        let bytes = Units::default();
        // The 3.8 MiB/s: lines every 1 MiB/s up to 4 MiB/s.
        assert_eq!(
            axis_for(3.8 * MIB, Scale::Rate { network: true }, bytes),
            (4.0 * MIB, MIB)
        );
        assert_eq!(
            axis_for(1.2 * MIB, Scale::Rate { network: false }, bytes),
            (1.5 * MIB, 0.5 * MIB)
        );
        assert_eq!(
            axis_for(0.0, Scale::Rate { network: true }, bytes).0,
            1536.0
        );
        // In bits and powers of 1000: 3.8 MiB/s is 31.9 Mbit/s, lines every 10 Mbit/s.
        let bits = Units {
            network_bits: true,
            base10: true,
            ..Units::default()
        };
        let (top, step) = axis_for(3.8 * MIB, Scale::Rate { network: true }, bits);
        assert_eq!((top * 8.0, step * 8.0), (40e6, 10e6));
        for v in labels(0.7 * MIB, Scale::Rate { network: true }, bytes) {
            let text = bytes.net_rate(v);
            assert!(!text.contains(".3") && !text.contains(".7"), "{text}");
        }
        assert_eq!(axis_for(42.0, Scale::Percent, bytes), (100.0, 25.0));
        assert_eq!(axis_for(104.0, Scale::Temperature, bytes), (120.0, 20.0));
    }

    #[test]
    fn runs_break_at_missing_readings_and_at_gaps_in_time() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let points = [
            (at(0), 1.0),
            (at(1), 2.0),
            (at(2), f64::NAN),
            (at(3), 4.0),
            (at(4), 5.0),
            // The app was closed for two minutes.
            (at(124), 6.0),
            (at(125), 7.0),
        ];
        let values: Vec<Vec<f64>> = runs(&points)
            .iter()
            .map(|r| r.iter().map(|p| p.1).collect())
            .collect();
        assert_eq!(values, [vec![1.0, 2.0], vec![4.0, 5.0], vec![6.0, 7.0]]);
        let steady: Vec<_> = (0..10).map(|s| (at(s), 1.0)).collect();
        assert_eq!(runs(&steady).len(), 1);
    }
}
