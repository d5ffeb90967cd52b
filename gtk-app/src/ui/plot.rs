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

/// The top of the scale for `lines`.
pub fn scale_max(lines: &[(&Series, &str)], scale: Scale) -> f64 {
    let max = lines
        .iter()
        .filter_map(|(s, _)| s.max())
        .fold(0.0, f64::max);
    match scale {
        Scale::Percent => 100.0,
        Scale::Temperature => max.max(100.0),
        Scale::Rate { .. } => nice(max),
    }
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
    let max = scale_max(lines, scale);
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
        cr.set_font_size(10.0);
        for i in 0..=4 {
            let y = top + ph * f64::from(i) / 4.0;
            cr.set_source_rgba(r, g, b, 0.15);
            cr.move_to(left, y.round() + 0.5);
            cr.line_to(left + pw, y.round() + 0.5);
            cr.stroke()?;
            cr.set_source_rgba(r, g, b, 0.7);
            cr.move_to(4.0, y + 4.0);
            cr.show_text(&label(max * f64::from(4 - i) / 4.0))?;
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
        let points: Vec<(f64, f64)> = series
            .points()
            .map(|(at, v)| {
                let age = now.saturating_duration_since(at).as_secs_f64();
                (x_of(age), y_of(v))
            })
            .collect();
        let (Some(&(x0, _)), Some(&(x1, y1))) = (points.first(), points.last()) else {
            continue;
        };
        cr.new_path();
        for &(x, y) in &points {
            cr.line_to(x, y);
        }
        cr.line_to(x1, top + ph);
        cr.line_to(x0, top + ph);
        cr.close_path();
        cr.set_source_rgba(lr, lg, lb, 0.18);
        cr.fill()?;
        cr.new_path();
        for &(x, y) in &points {
            cr.line_to(x, y);
        }
        cr.set_source_rgb(lr, lg, lb);
        cr.stroke()?;
        if style == Style::Full {
            cr.arc(x1, y1, 3.0, 0.0, std::f64::consts::TAU);
            cr.fill()?;
        }
    }
    Ok(())
}

/// A round scale maximum at least `v` bytes/s: 1, 2 or 5 times a power of ten of the byte unit
/// (B, KiB, MiB, ...), never below 1 KiB/s.
pub fn nice(v: f64) -> f64 {
    let v = v.max(1024.0) * 1.1;
    let mut unit = 1.0;
    while v / unit >= 1024.0 {
        unit *= 1024.0;
    }
    let x = v / unit;
    let p = 10f64.powf(x.log10().floor());
    let m = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= x)
        .unwrap_or(10.0 * p);
    m * unit
}

#[cfg(test)]
mod tests {
    use super::nice;

    #[test]
    fn network_scale_is_round_in_its_unit() {
        assert_eq!(nice(0.0), 2048.0);
        assert_eq!(nice(1.3 * 1024.0 * 1024.0), 2.0 * 1024.0 * 1024.0);
        assert_eq!(nice(300.0 * 1024.0), 500.0 * 1024.0);
    }
}
