//! `GET /history`: the query parameters, the step chosen and the time axis built from them.

use psmonitor_core::history::{
    Axis, Buckets, MAX_POINTS, MAX_RANGE_SECS, MAX_SERIES, choose_step, parse_query,
};
use psmonitor_core::series::is_known_name;

/// Parses `data[1..]` (lossily UTF-8) as the query of `/history` at a time chosen by `data[0]`.
///
/// An accepted query names 1 to 64 distinct known series over an ordered range of at most 400
/// days; the axis built for it at any finest step has at most [`MAX_POINTS`] points, and
/// bucketing points onto it gives one value per point.
pub fn history_query(data: &[u8]) {
    let (seed, rest) = crate::selector(data);
    let text = String::from_utf8_lossy(rest);
    let now = [crate::NOW_UNIX as i64, 0, 253_402_300_799, i64::MAX, 3_599][usize::from(seed) % 5];
    let Ok(query) = parse_query(Some(&text), now) else {
        return;
    };
    assert!((1..=MAX_SERIES).contains(&query.series.len()));
    for (i, name) in query.series.iter().enumerate() {
        assert!(is_known_name(name));
        assert!(!query.series[..i].contains(name), "{name} repeated");
    }
    assert!(query.since >= 0 && query.since <= query.until);
    assert!(query.until - query.since <= MAX_RANGE_SECS);
    let finest = [1, 10, 60, 3600][usize::from(seed >> 6)];
    let step = choose_step(query.step, finest, query.since, query.until);
    assert!(step >= 1 && step >= query.step.unwrap_or(1));
    let axis = Axis::new(query.since, query.until, step);
    assert!(axis.len >= 1, "an empty axis for {query:?}");
    assert!(
        axis.len as u64 <= MAX_POINTS,
        "{} points for {query:?}",
        axis.len
    );
    assert_eq!(axis.index(query.since), Some(0));
    assert_eq!(axis.index(query.until), Some(axis.len - 1));
    let mut buckets = Buckets::new(axis);
    for t in [query.since, query.until, query.since.midpoint(query.until)] {
        buckets.add(t, 1.0);
    }
    assert_eq!(buckets.finish().len(), axis.len);
    assert_eq!(axis.times().len(), axis.len);
}
