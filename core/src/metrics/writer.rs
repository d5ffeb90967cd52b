//! The exposition writer: metric families, samples, escaping, and the format's differences.
//!
//! In the text format 0.0.4 a counter family is named with its `_total` suffix; in OpenMetrics the
//! family (in `# TYPE` and `# HELP`) is named without it and the samples carry it, and the body
//! ends with `# EOF`.

use std::fmt::Write as _;

use super::MetricsFormat;

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value that only goes up (reset at restart); samples are named `<family>_total`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A value of unknown type (`untyped` in the text format, `unknown` in OpenMetrics), as
    /// node_exporter gives `/proc/vmstat` fields.
    Untyped,
}

/// Escapes a label value: backslash, double quote and line feed, as both formats require.
#[must_use]
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value, true);
    out
}

/// Appends `text` to `out` with backslash and line feed escaped (and double quote when
/// `quote`); text without them (nearly all) is copied as it is.
fn push_escaped(out: &mut String, text: &str, quote: bool) {
    let special = |c: char| c == '\\' || c == '\n' || (quote && c == '"');
    if !text.contains(special) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if quote => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Writes one exposition body.
#[derive(Debug)]
pub struct Writer {
    format: MetricsFormat,
    out: String,
    /// The name samples of the current family get.
    sample_name: String,
    /// The `# HELP` and `# TYPE` lines of the current family, until its first sample: a family
    /// without samples is left out.
    pending: String,
}

impl Writer {
    /// An empty body in `format`.
    #[must_use]
    pub fn new(format: MetricsFormat) -> Self {
        Self {
            format,
            out: String::with_capacity(40 * 1024),
            sample_name: String::new(),
            pending: String::new(),
        }
    }

    /// Starts a family; `name` is the base name (a counter's without `_total`).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind_text = match (kind, self.format) {
            (Kind::Counter, _) => "counter",
            (Kind::Gauge, _) => "gauge",
            (Kind::Untyped, MetricsFormat::Text) => "untyped",
            (Kind::Untyped, MetricsFormat::OpenMetrics) => "unknown",
        };
        self.sample_name.clear();
        self.sample_name.push_str(name);
        if kind == Kind::Counter {
            self.sample_name.push_str("_total");
        }
        let family = match kind_text {
            "counter" if self.format == MetricsFormat::Text => self.sample_name.as_str(),
            _ => name,
        };
        let p = &mut self.pending;
        p.clear();
        p.push_str("# HELP ");
        p.push_str(family);
        p.push(' ');
        push_escaped(p, help, false);
        p.push_str("\n# TYPE ");
        p.push_str(family);
        p.push(' ');
        p.push_str(kind_text);
        p.push('\n');
    }

    /// One sample of the current family.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        if !self.pending.is_empty() {
            self.out.push_str(&self.pending);
            self.pending.clear();
        }
        self.out.push_str(&self.sample_name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(name);
                self.out.push_str("=\"");
                push_escaped(&mut self.out, value, true);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        push_value(&mut self.out, value);
        self.out.push('\n');
    }

    /// The finished body (OpenMetrics ends with `# EOF`).
    #[must_use]
    pub fn finish(mut self) -> String {
        if self.format == MetricsFormat::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

fn push_value(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    } else if value.fract() == 0.0 && value.abs() < 9.0e15 {
        // Whole numbers (most values: bytes, counts) print the same as an integer, and faster.
        #[allow(clippy::cast_possible_truncation)] // whole and below 2^53: exact
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label_value("line\nbreak"), "line\\nbreak");
        assert_eq!(escape_label_value("/mnt/ü ok"), "/mnt/ü ok");
    }

    #[test]
    fn counters_are_named_per_format() {
        let mut w = Writer::new(MetricsFormat::Text);
        w.family("x_bytes", Kind::Counter, "Bytes.\nMore");
        w.sample(&[("device", "e\"0")], 3.0);
        assert_eq!(
            w.finish(),
            "# HELP x_bytes_total Bytes.\\nMore\n# TYPE x_bytes_total counter\nx_bytes_total{device=\"e\\\"0\"} 3\n"
        );
        let mut w = Writer::new(MetricsFormat::OpenMetrics);
        w.family("x_bytes", Kind::Counter, "Bytes.");
        w.sample(&[], 0.5);
        w.family("empty", Kind::Gauge, "Left out.");
        w.family("empty", Kind::Gauge, "Left out: no samples.");
        w.family("g", Kind::Gauge, "G.");
        w.sample(&[], f64::NAN);
        w.sample(&[], f64::NEG_INFINITY);
        assert_eq!(
            w.finish(),
            "# HELP x_bytes Bytes.\n# TYPE x_bytes counter\nx_bytes_total 0.5\n# HELP g G.\n# TYPE g gauge\ng NaN\ng -Inf\n# EOF\n"
        );
    }
}
