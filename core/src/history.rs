//! `GET /history` and `GET /history/series` (DESIGN 5.4): query parsing and validation, the
//! shared time axis, bucketing points onto it, and the response shape. The store that holds the
//! points lives in an adapter; everything here is pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::derive::round::round_to;
use crate::series::is_known_name;

/// The most points a series gets in one answer.
pub const MAX_POINTS: u64 = 2_000;
/// The most series one query may ask for.
pub const MAX_SERIES: usize = 64;
/// The longest range one query may span (400 days: more than any retention).
pub const MAX_RANGE_SECS: i64 = 400 * 86_400;
/// The range when `since` is not given: the last hour.
pub const DEFAULT_RANGE_SECS: i64 = 3_600;
/// The latest time accepted (9999-12-31T23:59:59Z).
const MAX_UNIX: i64 = 253_402_300_799;

/// A validated `/history` query; times are unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    /// The series asked for, in the order asked, without repeats.
    pub series: Vec<String>,
    /// Start of the range, inclusive.
    pub since: i64,
    /// End of the range, inclusive.
    pub until: i64,
    /// The step asked for, if any; the store may choose a coarser one.
    pub step: Option<u32>,
}

/// Why a `/history` query was refused with 400; the `Display` text is the error message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HistoryQueryError {
    /// No `series` parameter.
    #[error("series is required, e.g. ?series=cpu.usage,mem.percent")]
    NoSeries,
    /// Too many series in one query.
    #[error("too many series: at most 64 per query")]
    TooManySeries,
    /// A series name that is not known (or, from the store, has never been recorded).
    #[error("unknown series {0:?} (see GET /history/series)")]
    UnknownSeries(String),
    /// A parameter this route does not take.
    #[error("unknown parameter {0:?}: use series, since, until and step")]
    UnknownParameter(String),
    /// A parameter given twice.
    #[error("parameter {0:?} given more than once")]
    Repeated(&'static str),
    /// A query string that does not decode (bad percent-encoding or not UTF-8).
    #[error("malformed query string")]
    Malformed,
    /// `since`, `until` or `step` is not a whole number of seconds.
    #[error("{0} must be a whole, non-negative number of seconds")]
    NotANumber(&'static str),
    /// A time after the year 9999.
    #[error("{0} is too large")]
    TooLarge(&'static str),
    /// `since` is after `until`.
    #[error("since must not be after until")]
    SinceAfterUntil,
    /// The range is longer than [`MAX_RANGE_SECS`].
    #[error("range too long: at most 400 days")]
    RangeTooLong,
    /// `step=0`.
    #[error("step must be at least 1 second")]
    ZeroStep,
}

/// Decodes `%XX` escapes and `+` (a space) in one query component.
fn percent_decode(text: &str) -> Result<String, HistoryQueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or(HistoryQueryError::Malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| HistoryQueryError::Malformed)?;
                let byte = u8::from_str_radix(hex, 16).map_err(|_| HistoryQueryError::Malformed)?;
                out.push(byte);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| HistoryQueryError::Malformed)
}

/// A whole number of seconds: ASCII digits only (no sign, no fraction, no exponent).
fn seconds(key: &'static str, text: &str) -> Result<i64, HistoryQueryError> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HistoryQueryError::NotANumber(key));
    }
    let value: i64 = text
        .parse()
        .map_err(|_| HistoryQueryError::NotANumber(key))?;
    if value > MAX_UNIX {
        return Err(HistoryQueryError::TooLarge(key));
    }
    Ok(value)
}

fn set_once<T>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), HistoryQueryError> {
    if slot.replace(value).is_some() {
        return Err(HistoryQueryError::Repeated(key));
    }
    Ok(())
}

/// Parses and validates a `/history` query string; `now_unix` fills the defaults.
pub fn parse_query(query: Option<&str>, now_unix: i64) -> Result<HistoryQuery, HistoryQueryError> {
    let (mut series, mut since, mut until, mut step) = (None, None, None, None);
    for (key, value) in crate::query::pairs(query) {
        let key = percent_decode(key)?;
        let value = percent_decode(value.unwrap_or(""))?;
        match key.as_str() {
            "series" => set_once(&mut series, "series", value)?,
            "since" => set_once(&mut since, "since", seconds("since", &value)?)?,
            "until" => set_once(&mut until, "until", seconds("until", &value)?)?,
            "step" => set_once(&mut step, "step", seconds("step", &value)?)?,
            _ => return Err(HistoryQueryError::UnknownParameter(key)),
        }
    }
    let mut names: Vec<String> = Vec::new();
    for name in series.as_deref().unwrap_or("").split(',') {
        if name.is_empty() {
            continue;
        }
        if !is_known_name(name) {
            return Err(HistoryQueryError::UnknownSeries(name.to_owned()));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    if names.is_empty() {
        return Err(HistoryQueryError::NoSeries);
    }
    if names.len() > MAX_SERIES {
        return Err(HistoryQueryError::TooManySeries);
    }
    let until = until.unwrap_or(now_unix);
    let since = since.unwrap_or_else(|| until.saturating_sub(DEFAULT_RANGE_SECS).max(0));
    if since > until {
        return Err(HistoryQueryError::SinceAfterUntil);
    }
    if until - since > MAX_RANGE_SECS {
        return Err(HistoryQueryError::RangeTooLong);
    }
    let step = match step {
        Some(0) => return Err(HistoryQueryError::ZeroStep),
        Some(s) if s > MAX_RANGE_SECS => return Err(HistoryQueryError::RangeTooLong),
        Some(s) => Some(s as u32),
        None => None,
    };
    Ok(HistoryQuery {
        series: names,
        since,
        until,
        step,
    })
}

/// The step of an answer: the one asked for (else `finest`), never finer than `finest` allows
/// and coarse enough that the range has at most [`MAX_POINTS`] points.
#[must_use]
pub fn choose_step(requested: Option<u32>, finest: u32, since: i64, until: i64) -> u32 {
    let finest = finest.max(1);
    let wanted = requested.unwrap_or(finest).max(1);
    let range = (until - since).max(0) as u64;
    let needed = range.div_ceil(MAX_POINTS - 1).max(1);
    (wanted as u64).max(needed).min(u32::MAX as u64) as u32
}

/// One shared time axis: `len` times from `start`, `step` seconds apart; each time stands for
/// the bucket `[t, t + step)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// The first time, a multiple of `step`.
    pub start: i64,
    /// Seconds between times.
    pub step: u32,
    /// How many times.
    pub len: usize,
}

impl Axis {
    /// The axis covering `since..=until` at `step`: buckets aligned to multiples of `step`.
    #[must_use]
    pub fn new(since: i64, until: i64, step: u32) -> Self {
        let step = step.max(1);
        let s = i64::from(step);
        let start = since.div_euclid(s) * s;
        let len = if until < start {
            0
        } else {
            ((until - start) / s + 1) as usize
        };
        Self { start, step, len }
    }

    /// The bucket holding time `t`, if it is on the axis.
    #[must_use]
    pub fn index(&self, t: i64) -> Option<usize> {
        if t < self.start {
            return None;
        }
        let i = ((t - self.start) / i64::from(self.step)) as usize;
        (i < self.len).then_some(i)
    }

    /// The times of the axis.
    #[must_use]
    pub fn times(&self) -> Vec<i64> {
        (0..self.len as i64)
            .map(|i| self.start + i * i64::from(self.step))
            .collect()
    }
}

/// Averages points into the buckets of an axis.
#[derive(Clone, Debug)]
pub struct Buckets {
    axis: Axis,
    sums: Vec<f64>,
    counts: Vec<u32>,
}

impl Buckets {
    /// Empty buckets on `axis`.
    #[must_use]
    pub fn new(axis: Axis) -> Self {
        Self {
            axis,
            sums: vec![0.0; axis.len],
            counts: vec![0; axis.len],
        }
    }

    /// Adds the value sampled at `t`; values off the axis or not finite are ignored.
    pub fn add(&mut self, t: i64, value: f64) {
        if let Some(i) = self.axis.index(t).filter(|_| value.is_finite()) {
            self.sums[i] += value;
            self.counts[i] += 1;
        }
    }

    /// The average of each bucket (3 decimals), `None` where nothing was sampled.
    #[must_use]
    pub fn finish(self) -> Vec<Option<f64>> {
        self.sums
            .into_iter()
            .zip(self.counts)
            .map(|(sum, n)| (n > 0).then(|| round_to(sum / f64::from(n), 3)))
            .collect()
    }
}

/// The `GET /history` body: `{"step":S,"times":[...],"series":{"A":[v,null,...]}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryData {
    /// Seconds between times.
    pub step: u32,
    /// The shared time axis, unix seconds.
    pub times: Vec<i64>,
    /// One value per time for each series; `null` where nothing was sampled.
    pub series: BTreeMap<String, Vec<Option<f64>>>,
}

/// The `GET /history/series` body: `{"series":[...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesList {
    /// The series with recorded points, sorted.
    pub series: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn parse(q: &str) -> Result<HistoryQuery, HistoryQueryError> {
        parse_query(Some(q), NOW)
    }

    #[test]
    fn defaults_are_the_last_hour_and_no_step() {
        let q = parse("series=cpu.usage,mem.percent,cpu.usage").unwrap();
        assert_eq!(q.series, ["cpu.usage", "mem.percent"]);
        assert_eq!((q.since, q.until, q.step), (NOW - 3_600, NOW, None));
        let q = parse("series=disk.percent%40%2Fhome&since=100&until=200&step=5").unwrap();
        assert_eq!(q.series, ["disk.percent@/home"]);
        assert_eq!((q.since, q.until, q.step), (100, 200, Some(5)));
        let q = parse("until=10000&series=load.1").unwrap();
        assert_eq!((q.since, q.until), (10_000 - 3_600, 10_000));
    }

    #[test]
    fn every_bad_input_has_its_error() {
        use HistoryQueryError as E;
        let cases: &[(&str, E)] = &[
            ("", E::NoSeries),
            ("series=", E::NoSeries),
            ("series=nope", E::UnknownSeries("nope".into())),
            (
                "series=cpu.usage,bogus.metric",
                E::UnknownSeries("bogus.metric".into()),
            ),
            ("series=cpu.usage&since=200&until=100", E::SinceAfterUntil),
            ("series=cpu.usage&step=0", E::ZeroStep),
            ("series=cpu.usage&since=-5", E::NotANumber("since")),
            ("series=cpu.usage&until=abc", E::NotANumber("until")),
            ("series=cpu.usage&step=1.5", E::NotANumber("step")),
            ("series=cpu.usage&step=", E::NotANumber("step")),
            ("series=cpu.usage&since=1e9", E::NotANumber("since")),
            (
                "series=cpu.usage&since=0&until=99999999999",
                E::RangeTooLong,
            ),
            (
                "series=cpu.usage&until=99999999999999",
                E::TooLarge("until"),
            ),
            (
                "series=cpu.usage&since=99999999999999999999",
                E::NotANumber("since"),
            ),
            ("series=cpu.usage&step=99999999", E::RangeTooLong),
            (
                "series=cpu.usage&from=1",
                E::UnknownParameter("from".into()),
            ),
            ("series=cpu.usage&series=load.1", E::Repeated("series")),
            ("series=cpu%zz", E::Malformed),
            ("series=%ff", E::Malformed),
        ];
        for (query, want) in cases {
            assert_eq!(parse(query).as_ref().err(), Some(want), "{query}");
        }
        let many = (0..65)
            .map(|i| format!("cpu.usage@{i}"))
            .collect::<Vec<_>>();
        assert_eq!(
            parse(&format!("series={}", many.join(","))),
            Err(E::TooManySeries)
        );
        let body = serde_json::json!({"error": E::SinceAfterUntil.to_string()});
        assert_eq!(
            body.to_string(),
            r#"{"error":"since must not be after until"}"#
        );
    }

    #[test]
    fn step_is_coarsened_to_at_most_two_thousand_points() {
        assert_eq!(choose_step(None, 1, 0, 3_600), 2);
        assert_eq!(choose_step(None, 1, 0, 1_999), 1);
        assert_eq!(choose_step(Some(10), 1, 0, 3_600), 10);
        assert_eq!(choose_step(None, 60, 0, 7 * 86_400), 303);
        for (since, until) in [(0, 3_600), (17, 7 * 86_400 + 5), (0, MAX_RANGE_SECS)] {
            let step = choose_step(Some(1), 1, since, until);
            assert!(Axis::new(since, until, step).len as u64 <= MAX_POINTS);
        }
    }

    #[test]
    fn axis_is_aligned_and_buckets_average_with_gaps_as_null() {
        let axis = Axis::new(1_003, 1_030, 10);
        assert_eq!(axis.times(), [1_000, 1_010, 1_020, 1_030]);
        assert_eq!(axis.index(999), None);
        assert_eq!(axis.index(1_039), Some(3));
        assert_eq!(axis.index(1_040), None);
        let mut b = Buckets::new(axis);
        b.add(1_001, 1.0);
        b.add(1_009, 2.0);
        b.add(1_025, f64::NAN);
        b.add(1_031, 0.1 + 0.2);
        assert_eq!(b.finish(), [Some(1.5), None, None, Some(0.3)]);
    }

    #[test]
    fn response_shape() {
        let data = HistoryData {
            step: 1,
            times: vec![10, 11],
            series: BTreeMap::from([("cpu.usage".to_owned(), vec![Some(1.5), None])]),
        };
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"step":1,"times":[10,11],"series":{"cpu.usage":[1.5,null]}}"#
        );
    }
}
