//! Helpers for the history store tests: synthetic samples with known values.

#![allow(dead_code)]

use psmonitor_core::history::HistoryQuery;
use psmonitor_core::series::SeriesValues;

/// `n` series whose value at `t` is a known function of `t` and the series index.
pub fn sample(t: i64, n: usize) -> SeriesValues {
    let mut v = SeriesValues::new();
    v.insert("cpu.usage".into(), value(t, 0));
    for i in 1..n {
        v.insert(format!("cpu.usage@{}", i - 1), value(t, i));
    }
    v
}

/// The value of series `i` at `t`: exact in `f32`.
pub fn value(t: i64, i: usize) -> f64 {
    ((t % 100) as f64) + i as f64 * 0.5
}

/// A query of `series` over `since..=until`.
pub fn query(series: &[&str], since: i64, until: i64, step: Option<u32>) -> HistoryQuery {
    HistoryQuery {
        series: series.iter().map(|s| (*s).to_owned()).collect(),
        since,
        until,
        step,
    }
}
