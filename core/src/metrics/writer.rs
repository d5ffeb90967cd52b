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
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
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
    pending: Option<String>,
}

impl Writer {
    /// An empty body in `format`.
    #[must_use]
    pub fn new(format: MetricsFormat) -> Self {
        Self {
            format,
            out: String::with_capacity(16 * 1024),
            sample_name: String::new(),
            pending: None,
        }
    }

    /// Starts a family; `name` is the base name (a counter's without `_total`).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let (family, kind_text) = match (kind, self.format) {
            (Kind::Counter, MetricsFormat::Text) => (format!("{name}_total"), "counter"),
            (Kind::Counter, MetricsFormat::OpenMetrics) => (name.to_owned(), "counter"),
            (Kind::Gauge, _) => (name.to_owned(), "gauge"),
            (Kind::Untyped, MetricsFormat::Text) => (name.to_owned(), "untyped"),
            (Kind::Untyped, MetricsFormat::OpenMetrics) => (name.to_owned(), "unknown"),
        };
        self.sample_name = match kind {
            Kind::Counter => format!("{name}_total"),
            Kind::Gauge | Kind::Untyped => name.to_owned(),
        };
        let help = escape_help(help);
        self.pending = Some(format!(
            "# HELP {family} {help}\n# TYPE {family} {kind_text}\n"
        ));
    }

    /// One sample of the current family.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        if let Some(header) = self.pending.take() {
            self.out.push_str(&header);
        }
        self.out.push_str(&self.sample_name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{name}=\"{}\"", escape_label_value(value));
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
