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

/// The history chunk codec: `data[0]` chooses the width (1 or 3) and the chunk's start; the
/// rest is, by `data[0]`'s top bit, either a stored blob or values to store.
///
/// A blob either is refused or decodes to a chunk that encodes and decodes back bit for bit.
/// Values (4 bytes each, any `f32` bit pattern, `NaN`s included) laid out over up to 7 series
/// round-trip exactly, in the current layout and in the old one. A blob merged with another
/// chunk, column by column, gives what merging it decoded gives, or is refused if it does not
/// decode or its series are out of order.
pub fn history_codec(data: &[u8]) {
    use psmonitor_history::fuzzing::{Chunk, decode, encode, encode_v1};

    let (seed, rest) = crate::selector(data);
    let width = if seed & 1 == 0 { 1 } else { 3 };
    let start = [0, 1_700_000_000, -5, i64::MAX - 10][usize::from(seed >> 1 & 3)];
    let same = |a: &Chunk, b: &Chunk| {
        a.ids == b.ids
            && a.times == b.times
            && a.values.len() == b.values.len()
            && a.values
                .iter()
                .zip(&b.values)
                .all(|(x, y)| x.to_bits() == y.to_bits())
    };
    if seed & 0x80 != 0 {
        if let Ok(chunk) = decode(rest, start, width) {
            assert_eq!(
                chunk.values.len(),
                chunk.times.len() * chunk.ids.len() * width
            );
            let again = decode(&encode(&chunk, start, width), start, width)
                .expect("a decoded chunk encodes to a readable blob");
            assert!(same(&chunk, &again), "{chunk:?} came back {again:?}");
        }
        merged_with_another(rest, start, width);
        return;
    }
    let values: Vec<f32> = rest
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n_ids = usize::from(seed >> 3 & 7).max(1);
    let rows = values.len() / (n_ids * width);
    let chunk = Chunk {
        ids: (1..=n_ids as i64).map(|i| i * 3).collect(),
        times: (0..rows as i64).map(|t| start.saturating_add(t)).collect(),
        values: values[..rows * n_ids * width].to_vec(),
    };
    let back = decode(&encode(&chunk, start, width), start, width).expect("own blob");
    assert!(same(&chunk, &back), "{chunk:?} came back {back:?}");
    if rows > 0 {
        let old = decode(&encode_v1(&chunk, start), start, width).expect("old blob");
        assert!(same(&chunk, &old), "version 1: {chunk:?} came back {old:?}");
    }
}

/// Merges the stored `blob` with a chunk of one series, both ways, and checks the result.
fn merged_with_another(blob: &[u8], start: i64, width: usize) {
    use psmonitor_history::fuzzing::{Chunk, decode, encode, merge, merge_stored};

    let t = start.saturating_add(1);
    let other = Chunk {
        ids: vec![3],
        times: vec![t],
        values: vec![1.5; width],
    };
    let other_blob = encode(&other, t, width);
    let got = merge_stored(&[(start, blob), (t, &other_blob)], width);
    match (decode(blob, start, width), got) {
        (Ok(chunk), Ok(got)) => {
            let plain = merge(&[chunk, other], width);
            let first = plain
                .times
                .first()
                .copied()
                .expect("the other chunk has a time");
            let got = got.expect("a merge holding a time gives a chunk");
            assert_eq!(got.blob, encode(&plain, first, width));
            assert_eq!((got.start, got.end), (first, *plain.times.last().unwrap()));
        }
        (Ok(chunk), Err(_)) => assert!(
            chunk.ids.windows(2).any(|pair| pair[0] >= pair[1]),
            "a blob that decodes, its series in order, was not merged: {chunk:?}"
        ),
        (Err(_), Ok(_)) => panic!("a blob that does not decode was merged"),
        (Err(_), Err(_)) => {}
    }
}
