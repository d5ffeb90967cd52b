//! The packed layout of one chunk: many sample times of many series in one blob, so each stored
//! value costs about the 4 bytes of its `f32` (Netdata's tier 0 is the anchor: ~4 bytes a value).
//!
//! Layout, all integers LEB128 varints: the series count, each series id; the time count, each
//! time as its delta from the previous one (the first from the chunk's start); then, per time,
//! a bitmap of its cells (`width` per series; bit set = the same bits as this cell at the time
//! before, or `NaN` at the first time) followed by the little-endian `f32` of every other cell.
//! A value that did not change (a disk's percent, an idle link's rate, the frequency) thus costs
//! one bit. `NaN` marks "not sampled". Raw chunks have width 1 (the value); rollup chunks
//! width 3 (average, minimum, maximum of a minute).

/// Why a chunk could not be decoded (a damaged row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("damaged history chunk")]
pub struct Damaged;

/// One decoded chunk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chunk {
    /// The series ids, one per column.
    pub ids: Vec<i64>,
    /// The sample times, unix seconds, ascending.
    pub times: Vec<i64>,
    /// `times.len() * ids.len() * width` values, time-major.
    pub values: Vec<f32>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(buf: &[u8], at: &mut usize) -> Result<u64, Damaged> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*at).ok_or(Damaged)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(Damaged)
}

/// Encodes `chunk`, whose first time is `start`.
pub fn encode(chunk: &Chunk, start: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + chunk.ids.len() * 2 + chunk.values.len() * 4);
    put_varint(&mut out, chunk.ids.len() as u64);
    for &id in &chunk.ids {
        put_varint(&mut out, id as u64);
    }
    put_varint(&mut out, chunk.times.len() as u64);
    let mut prev = start;
    for &t in &chunk.times {
        put_varint(&mut out, (t - prev).max(0) as u64);
        prev = t;
    }
    let cells = chunk.ids.len() * width_of(chunk);
    let mut prev = vec![f32::NAN.to_bits(); cells];
    for row in chunk.values.chunks(cells.max(1)).filter(|_| cells > 0) {
        let mut bitmap = vec![0u8; cells.div_ceil(8)];
        for (i, v) in row.iter().enumerate() {
            if v.to_bits() == prev[i] {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
        for (i, v) in row.iter().enumerate() {
            if v.to_bits() != prev[i] {
                out.extend_from_slice(&v.to_le_bytes());
                prev[i] = v.to_bits();
            }
        }
    }
    out
}

/// Values per series per time of a well-formed chunk.
fn width_of(chunk: &Chunk) -> usize {
    let per_time = chunk.ids.len() * chunk.times.len();
    chunk.values.len().checked_div(per_time).unwrap_or(1)
}

/// Decodes a chunk stored with `start`, `width` values per cell.
pub fn decode(buf: &[u8], start: i64, width: usize) -> Result<Chunk, Damaged> {
    let mut at = 0;
    let n_ids = get_varint(buf, &mut at)? as usize;
    if n_ids > buf.len() {
        return Err(Damaged);
    }
    let ids = (0..n_ids)
        .map(|_| get_varint(buf, &mut at).map(|v| v as i64))
        .collect::<Result<Vec<_>, _>>()?;
    let n_times = get_varint(buf, &mut at)? as usize;
    if n_times > buf.len() {
        return Err(Damaged);
    }
    let mut times = Vec::with_capacity(n_times);
    let mut t = start;
    for _ in 0..n_times {
        t = t.saturating_add(get_varint(buf, &mut at)? as i64);
        times.push(t);
    }
    let n_values = n_times
        .checked_mul(n_ids)
        .and_then(|n| n.checked_mul(width))
        .ok_or(Damaged)?;
    let cells = n_ids.checked_mul(width).ok_or(Damaged)?;
    if n_values > buf.len().saturating_mul(8) {
        return Err(Damaged);
    }
    let mut values = Vec::with_capacity(n_values);
    let mut prev = vec![f32::NAN; cells];
    for _ in 0..if cells == 0 { 0 } else { n_times } {
        let bitmap = buf.get(at..at + cells.div_ceil(8)).ok_or(Damaged)?;
        at += bitmap.len();
        for (i, p) in prev.iter_mut().enumerate() {
            if bitmap[i / 8] & (1 << (i % 8)) == 0 {
                let b = buf.get(at..at + 4).ok_or(Damaged)?;
                at += 4;
                *p = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            values.push(*p);
        }
    }
    if at != buf.len() {
        return Err(Damaged);
    }
    Ok(Chunk { ids, times, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_costs_four_bytes_a_value() {
        let chunk = Chunk {
            ids: (1..=40).collect(),
            times: (1_000..1_010).collect(),
            values: (0..400).map(|i| i as f32 * 0.5).collect(),
        };
        let blob = encode(&chunk, 1_000);
        assert_eq!(decode(&blob, 1_000, 1).unwrap(), chunk);
        // 400 changing values: 1,600 bytes of floats, 10 bitmaps of 5 bytes, 52 of ids and times.
        assert_eq!(blob.len(), 1_600 + 50 + 1 + 40 + 1 + 10);
        // Values that repeat cost one bit each.
        let steady = Chunk {
            values: (0..400).map(|i| (i % 40) as f32).collect(),
            ..chunk
        };
        let blob = encode(&steady, 1_000);
        assert_eq!(decode(&blob, 1_000, 1).unwrap(), steady);
        assert_eq!(blob.len(), 160 + 50 + 1 + 40 + 1 + 10);
        let nan = Chunk {
            ids: vec![300],
            times: vec![5],
            values: vec![f32::NAN, 1.0, 2.0],
        };
        let back = decode(&encode(&nan, 5), 5, 3).unwrap();
        assert!(back.values[0].is_nan());
        assert_eq!(back.ids, [300]);
    }

    #[test]
    fn damaged_blobs_are_refused_not_panicked_on() {
        let blob = encode(
            &Chunk {
                ids: vec![1, 2],
                times: vec![7],
                values: vec![1.0, 2.0],
            },
            7,
        );
        for cut in 0..blob.len() {
            assert_eq!(decode(&blob[..cut], 7, 1), Err(Damaged), "{cut}");
        }
        assert_eq!(decode(&blob, 7, 3), Err(Damaged));
        assert_eq!(decode(&[0xff; 12], 0, 1), Err(Damaged));
        assert_eq!(decode(&[0x7f, 0x7f], 0, 1), Err(Damaged));
    }
}
