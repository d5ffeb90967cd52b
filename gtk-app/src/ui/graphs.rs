//! The graphs window: CPU usage, CPU temperature, memory and network rates over the last five
//! minutes, drawn with cairo on `gtk::DrawingArea`s, one notebook tab each.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use gtk::cairo;
use gtk::prelude::*;

use crate::format;
use crate::history::{Series, WINDOW};
use crate::model::ViewModel;

/// Which series a graph shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// CPU usage, percent.
    Cpu,
    /// CPU temperature.
    Temp,
    /// Memory used, percent.
    Memory,
    /// Network receive and send rates.
    Network,
}

impl Kind {
    /// Every graph, in tab order.
    pub const ALL: [Kind; 4] = [Kind::Cpu, Kind::Temp, Kind::Memory, Kind::Network];

    fn name(self) -> &'static str {
        match self {
            Kind::Cpu => "CPU usage",
            Kind::Temp => "CPU temperature",
            Kind::Memory => "Memory",
            Kind::Network => "Network",
        }
    }

    /// The title with the current value, e.g. `CPU usage: 14.2 %`.
    pub fn title(self, vm: &ViewModel) -> String {
        let h = &vm.history;
        let current = match self {
            Kind::Cpu => h.cpu.last().map(format::percent),
            Kind::Temp => Some(format::celsius(vm.cpu.as_ref().and_then(|c| c.temp))),
            Kind::Memory => h.mem.last().map(format::percent),
            Kind::Network => match (h.rx.last(), h.tx.last()) {
                (Some(rx), Some(tx)) => {
                    Some(format!("↓ {}  ↑ {}", format::rate(rx), format::rate(tx)))
                }
                _ => None,
            },
        };
        format!("{}: {}", self.name(), current.as_deref().unwrap_or("…"))
    }
}

/// One graph: a title label over a drawing area.
#[derive(Debug)]
pub struct Graph {
    /// Which series.
    pub kind: Kind,
    /// The title with the current value.
    pub title: gtk::Label,
    /// The drawing area.
    pub area: gtk::DrawingArea,
}

/// The graphs window of one host.
#[derive(Debug)]
pub struct GraphWindow {
    /// The window.
    pub window: gtk::Window,
    /// The tabs.
    pub notebook: gtk::Notebook,
    /// The graphs, in tab order.
    pub graphs: Vec<Graph>,
}

impl GraphWindow {
    /// Builds the window for the host shown by `model`.
    pub fn new(parent: &gtk::Window, host: &str, model: Rc<RefCell<ViewModel>>) -> Self {
        let notebook = gtk::Notebook::new();
        let mut graphs = Vec::new();
        for kind in Kind::ALL {
            let title = gtk::Label::builder()
                .label(kind.title(&model.borrow()))
                .xalign(0.0)
                .margin_start(8)
                .margin_top(6)
                .name(format!("graph-title-{kind:?}"))
                .build();
            title.add_css_class("heading");
            let area = gtk::DrawingArea::builder()
                .content_width(440)
                .content_height(220)
                .hexpand(true)
                .vexpand(true)
                .name(format!("graph-{kind:?}"))
                .build();
            let m = model.clone();
            area.set_draw_func(move |area, cr, w, h| {
                #[allow(deprecated)] // gtk_widget_get_color is 4.10; we target 4.8.
                let fg = area.style_context().color();
                let _ = draw(cr, w, h, kind, &m.borrow(), fg, Instant::now());
            });
            let page = gtk::Box::new(gtk::Orientation::Vertical, 4);
            page.append(&title);
            page.append(&area);
            notebook.append_page(&page, Some(&gtk::Label::new(Some(kind.name()))));
            graphs.push(Graph { kind, title, area });
        }
        let window = gtk::Window::builder()
            .title(format!("Graphs - {host}"))
            .transient_for(parent)
            .default_width(520)
            .default_height(320)
            .child(&notebook)
            .hide_on_close(true)
            .build();
        Self {
            window,
            notebook,
            graphs,
        }
    }

    /// Updates the titles and redraws the visible graph.
    pub fn refresh(&self, vm: &ViewModel) {
        if !self.window.is_visible() {
            return;
        }
        for g in &self.graphs {
            let t = g.kind.title(vm);
            if g.title.text() != t {
                g.title.set_text(&t);
            }
            if g.area.is_mapped() {
                g.area.queue_draw();
            }
        }
    }
}

const CPU_RGB: (f64, f64, f64) = (0.21, 0.52, 0.89);
const TEMP_RGB: (f64, f64, f64) = (0.88, 0.38, 0.0);
const MEM_RGB: (f64, f64, f64) = (0.15, 0.64, 0.41);
const RX_RGB: (f64, f64, f64) = (0.21, 0.52, 0.89);
const TX_RGB: (f64, f64, f64) = (0.75, 0.11, 0.16);

/// Draws one graph: grid, scale labels and the lines for the last five minutes before `now`.
pub fn draw(
    cr: &cairo::Context,
    w: i32,
    h: i32,
    kind: Kind,
    vm: &ViewModel,
    fg: gtk::gdk::RGBA,
    now: Instant,
) -> Result<(), cairo::Error> {
    let (w, h) = (f64::from(w), f64::from(h));
    let (left, right, top, bottom) = (58.0, 10.0, 10.0, 22.0);
    let (pw, ph) = ((w - left - right).max(1.0), (h - top - bottom).max(1.0));
    let hist = &vm.history;
    let max = match kind {
        Kind::Cpu | Kind::Memory => 100.0,
        Kind::Temp => hist.temp.max().unwrap_or(0.0).max(100.0),
        Kind::Network => nice(
            hist.rx
                .max()
                .unwrap_or(0.0)
                .max(hist.tx.max().unwrap_or(0.0)),
        ),
    };
    let label = |v: f64| match kind {
        Kind::Cpu | Kind::Memory => format!("{v:.0} %"),
        Kind::Temp => format!("{v:.0} °C"),
        Kind::Network => format::rate(v),
    };
    cr.set_source_rgba(fg.red().into(), fg.green().into(), fg.blue().into(), 0.04);
    cr.rectangle(left, top, pw, ph);
    cr.fill()?;
    cr.set_line_width(1.0);
    cr.set_font_size(10.0);
    for i in 0..=4 {
        let y = top + ph * f64::from(i) / 4.0;
        cr.set_source_rgba(fg.red().into(), fg.green().into(), fg.blue().into(), 0.15);
        cr.move_to(left, y.round() + 0.5);
        cr.line_to(left + pw, y.round() + 0.5);
        cr.stroke()?;
        cr.set_source_rgba(fg.red().into(), fg.green().into(), fg.blue().into(), 0.7);
        cr.move_to(4.0, y + 4.0);
        cr.show_text(&label(max * f64::from(4 - i) / 4.0))?;
    }
    for (i, text) in ["-5 min", "-2.5 min", "now"].iter().enumerate() {
        let x = left + pw * i as f64 / 2.0 - if i == 2 { 20.0 } else { 0.0 };
        cr.move_to(x, h - 6.0);
        cr.show_text(text)?;
    }
    let series: Vec<(&Series, (f64, f64, f64))> = match kind {
        Kind::Cpu => vec![(&hist.cpu, CPU_RGB)],
        Kind::Temp => vec![(&hist.temp, TEMP_RGB)],
        Kind::Memory => vec![(&hist.mem, MEM_RGB)],
        Kind::Network => vec![(&hist.rx, RX_RGB), (&hist.tx, TX_RGB)],
    };
    if kind == Kind::Network {
        for (i, (text, (r, g, b))) in [("↓ received", RX_RGB), ("↑ sent", TX_RGB)]
            .iter()
            .enumerate()
        {
            cr.set_source_rgb(*r, *g, *b);
            cr.move_to(left + 8.0 + 90.0 * i as f64, top + 14.0);
            cr.show_text(text)?;
        }
    }
    if kind == Kind::Temp && hist.temp.is_empty() {
        cr.move_to(left + pw / 2.0 - 70.0, top + ph / 2.0);
        cr.show_text("no temperature sensor (n/a)")?;
    }
    let window = WINDOW.as_secs_f64();
    let x_of = |age: f64| left + pw * (1.0 - age / window).max(0.0);
    let y_of = |v: f64| top + ph * (1.0 - (v / max).clamp(0.0, 1.0));
    cr.set_line_width(2.0);
    for (s, (r, g, b)) in series {
        let points: Vec<(f64, f64)> = s
            .points()
            .map(|(at, v)| {
                (
                    x_of(now.saturating_duration_since(at).as_secs_f64()),
                    y_of(v),
                )
            })
            .collect();
        let (Some(&(x0, _)), Some(&(x1, y1))) = (points.first(), points.last()) else {
            continue;
        };
        // The area under the line, faint, then the line, then a dot on the newest value.
        cr.new_path();
        for &(x, y) in &points {
            cr.line_to(x, y);
        }
        cr.line_to(x1, top + ph);
        cr.line_to(x0, top + ph);
        cr.close_path();
        cr.set_source_rgba(r, g, b, 0.18);
        cr.fill()?;
        cr.new_path();
        for &(x, y) in &points {
            cr.line_to(x, y);
        }
        cr.set_source_rgb(r, g, b);
        cr.stroke()?;
        cr.arc(x1, y1, 3.0, 0.0, std::f64::consts::TAU);
        cr.fill()?;
    }
    Ok(())
}

/// A round scale maximum at least `v` bytes/s: 1, 2 or 5 times a power of ten of the byte unit
/// that `format::rate` will print (B, KiB, MiB, ...), never below 1 KiB/s.
fn nice(v: f64) -> f64 {
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
