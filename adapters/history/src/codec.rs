//! The packed layout of one chunk: many sample times of many series in one blob.
//!
//! Version 2 (written now) starts with [`MAGIC`], then LEB128 varints: the series count, each
//! series id (zigzag delta from the one before), the time count and the cells per series
//! (`width`). Everything after is one bit stream, most significant bit first:
//! - times: the first as its delta from the chunk's start, then each as its delta-of-delta
//!   (one bit when samples are evenly spaced);
//! - then each cell's column over all times (series-major, not time-major, so a series' values
//!   sit next to each other), in whichever of two modes is shorter for it:
//!   - *decimal*: every value is an integer count of `10^-k` (k 0..=6) that gives back the exact
//!     `f32` bits; stored as zigzag deltas in prefix-coded widths (one bit for "unchanged");
//!     `NaN`s ("not sampled") as a presence bit per value when the column has any;
//!   - *xor*: Gorilla's float compression on the `f32` bits: one bit for "unchanged", else the
//!     meaningful bits of the XOR with the previous value, reusing the previous window when
//!     they fit in it.
//!
//! The round trip is exact on every `f32` bit pattern, `NaN`s and `-0.0` included. Version 1
//! blobs (time-major, a bitmap of unchanged cells and raw `f32`s) are still read.

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

/// The first bytes of a version 2 blob. A version 1 blob starting so would have no series and
/// more than 16,383 times, which no writer made (a chunk spans less than an hour).
pub const MAGIC: [u8; 4] = [0x00, 0xff, 0xff, 0x02];

/// Largest number of values per series per time a blob may declare.
const MAX_WIDTH: usize = 16;

mod bits;
mod merge;

pub use merge::{Merged, merge, merge_stored};

use bits::{Bits, Count, Reader, Sink, get_int, get_varint, put_int, put_varint, unzigzag, zigzag};

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// `v` as an integer count of `10^-k`, if that gives back exactly `v`.
fn decimal(v: f32, k: usize) -> Option<i64> {
    let n = (f64::from(v) * POW10[k]).round();
    if n.is_nan() || n.abs() > 9.0e15 {
        return None;
    }
    // Checked the way the decoder computes it (so `-0.0`, which counts as 0, is refused).
    let n = n as i64;
    ((n as f64 / POW10[k]) as f32)
        .to_bits()
        .eq(&v.to_bits())
        .then_some(n)
}

/// The smallest scale at which every value of the column is decimal (`NaN`s, the canonical
/// one only, aside), and whether it has any `NaN`.
fn decimal_scale(column: &[f32]) -> Option<(usize, bool)> {
    let gaps = column.iter().any(|v| v.is_nan());
    if column
        .iter()
        .any(|v| v.is_nan() && v.to_bits() != f32::NAN.to_bits())
    {
        return None;
    }
    (0..POW10.len())
        .find(|&k| {
            column
                .iter()
                .filter(|v| !v.is_nan())
                .all(|&v| decimal(v, k).is_some())
        })
        .map(|k| (k, gaps))
}

fn put_decimal(w: &mut impl Sink, column: &[f32], k: usize, gaps: bool) {
    w.put(k as u64, 3);
    w.put(u64::from(gaps), 1);
    let mut prev = 0i64;
    for &v in column {
        if gaps {
            w.put(u64::from(!v.is_nan()), 1);
            if v.is_nan() {
                continue;
            }
        }
        let n = decimal(v, k).unwrap_or(0);
        put_int(w, n.wrapping_sub(prev));
        prev = n;
    }
}

fn get_decimal(r: &mut Reader<'_>, out: &mut [f32]) -> Result<(), Damaged> {
    let k = r.get(3)? as usize;
    let scale = *POW10.get(k).ok_or(Damaged)?;
    let gaps = r.bit()?;
    let mut prev = 0i64;
    for v in out {
        if gaps && !r.bit()? {
            *v = f32::NAN;
            continue;
        }
        prev = prev.wrapping_add(get_int(r)?);
        *v = (prev as f64 / scale) as f32;
    }
    Ok(())
}

fn put_xor(w: &mut impl Sink, column: &[f32]) {
    let mut prev = 0u32;
    let mut window: Option<(u32, u32)> = None;
    for (i, v) in column.iter().enumerate() {
        let bits = v.to_bits();
        if i == 0 {
            w.put(u64::from(bits), 32);
            prev = bits;
            continue;
        }
        let x = bits ^ prev;
        prev = bits;
        if x == 0 {
            w.put(0, 1);
            continue;
        }
        let (lead, trail) = (x.leading_zeros(), x.trailing_zeros());
        match window {
            Some((l, t)) if lead >= l && trail >= t => {
                w.put(0b10, 2);
                w.put(u64::from(x >> t), 32 - l - t);
            }
            _ => {
                let len = 32 - lead - trail;
                w.put(0b11, 2);
                w.put(u64::from(lead), 5);
                w.put(u64::from(len - 1), 5);
                w.put(u64::from(x >> trail), len);
                window = Some((lead, trail));
            }
        }
    }
}

fn get_xor(r: &mut Reader<'_>, out: &mut [f32]) -> Result<(), Damaged> {
    let mut prev = 0u32;
    let mut window: Option<(u32, u32)> = None;
    for (i, v) in out.iter_mut().enumerate() {
        if i == 0 {
            prev = r.get(32)? as u32;
        } else if r.bit()? {
            let x = if r.bit()? {
                let lead = r.get(5)? as u32;
                let len = r.get(5)? as u32 + 1;
                let trail = 32u32.checked_sub(lead + len).ok_or(Damaged)?;
                window = Some((lead, trail));
                (r.get(len)? as u32) << trail
            } else {
                let (l, t) = window.ok_or(Damaged)?;
                (r.get(32 - l - t)? as u32) << t
            };
            prev ^= x;
        }
        *v = f32::from_bits(prev);
    }
    Ok(())
}

/// Writes one column in its shorter mode: a `0` bit then decimal, or a `1` bit then xor.
fn put_column(w: &mut Bits, column: &[f32]) {
    let mut xor = Count::default();
    put_xor(&mut xor, column);
    if let Some((k, gaps)) = decimal_scale(column) {
        let mut dec = Count::default();
        put_decimal(&mut dec, column, k, gaps);
        if dec.0 <= xor.0 {
            w.put(0, 1);
            put_decimal(w, column, k, gaps);
            return;
        }
    }
    w.put(1, 1);
    put_xor(w, column);
}

/// Values per series per time of a well-formed chunk.
fn width_of(chunk: &Chunk) -> usize {
    let per_time = chunk.ids.len() * chunk.times.len();
    chunk.values.len().checked_div(per_time).unwrap_or(1)
}

/// Encodes `chunk` (version 2), whose first time is `start`, `width` values per cell.
pub fn encode(chunk: &Chunk, start: i64, width: usize) -> Vec<u8> {
    let mut w = put_head(&chunk.ids, chunk.times.len(), width, chunk.values.len() / 2);
    put_times(&mut w, start, chunk.times.iter().copied());
    let cells = chunk.ids.len() * width;
    let rows = chunk.times.len();
    let mut column = Vec::with_capacity(rows);
    for cell in 0..if rows == 0 { 0 } else { cells } {
        column.clear();
        column.extend((0..rows).map(|row| {
            chunk
                .values
                .get(row * cells + cell)
                .copied()
                .unwrap_or(f32::NAN)
        }));
        put_column(&mut w, &column);
    }
    w.finish()
}

/// A version 2 blob's bytes up to its bit stream: [`MAGIC`], the ids, the time count and
/// `width`, in a buffer with room for `stream_bytes` of bit stream after them.
fn put_head(ids: &[i64], n_times: usize, width: usize, stream_bytes: usize) -> Bits {
    let mut out = Vec::with_capacity(16 + ids.len() * 2 + stream_bytes);
    out.extend_from_slice(&MAGIC);
    put_varint(&mut out, ids.len() as u64);
    let mut prev = 0i64;
    for &id in ids {
        put_varint(&mut out, zigzag(id.wrapping_sub(prev)));
        prev = id;
    }
    put_varint(&mut out, n_times as u64);
    put_varint(&mut out, width as u64);
    Bits {
        out,
        cur: 0,
        used: 0,
    }
}

/// Writes the times as delta-of-deltas from `start`.
fn put_times(w: &mut Bits, start: i64, times: impl Iterator<Item = i64>) {
    let (mut prev, mut delta) = (start, 0i64);
    for t in times {
        let d = t.wrapping_sub(prev);
        put_int(w, d.wrapping_sub(delta));
        (prev, delta) = (t, d);
    }
}

/// Decodes a chunk stored with `start`, `width` values per cell (either version).
pub fn decode(buf: &[u8], start: i64, width: usize) -> Result<Chunk, Damaged> {
    match buf.strip_prefix(&MAGIC) {
        Some(rest) => decode_v2(rest, start, width),
        None => decode_v1(buf, start, width),
    }
}

/// A version 2 blob opened for reading: its ids, and its bit stream at the first column.
struct Opened<'a> {
    ids: Vec<i64>,
    columns: Reader<'a>,
}

/// Reads a version 2 blob (after [`MAGIC`]) up to its first column, appending its times to
/// `times`; refuses counts the blob is too short to hold.
fn open_v2<'a>(
    buf: &'a [u8],
    start: i64,
    width: usize,
    times: &mut Vec<i64>,
) -> Result<Opened<'a>, Damaged> {
    let mut at = 0;
    let n_ids = get_varint(buf, &mut at)? as usize;
    if n_ids > buf.len() {
        return Err(Damaged);
    }
    let mut prev = 0i64;
    let ids = (0..n_ids)
        .map(|_| {
            prev = prev.wrapping_add(unzigzag(get_varint(buf, &mut at)?));
            Ok(prev)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let n_times = get_varint(buf, &mut at)? as usize;
    let stored_width = get_varint(buf, &mut at)? as usize;
    if stored_width != width || width > MAX_WIDTH || n_times > buf.len().saturating_mul(8) {
        return Err(Damaged);
    }
    // Every value costs at least one bit.
    let n_values = n_times.checked_mul(n_ids * width).ok_or(Damaged)?;
    if n_values > buf.len().saturating_mul(8) {
        return Err(Damaged);
    }
    let mut columns = Reader {
        buf: &buf[at..],
        pos: 0,
    };
    times.reserve(n_times);
    let (mut t, mut delta) = (start, 0i64);
    for _ in 0..n_times {
        delta = delta.wrapping_add(get_int(&mut columns)?);
        t = t.wrapping_add(delta);
        times.push(t);
    }
    Ok(Opened { ids, columns })
}

/// Reads the next column, in whichever mode it was written.
fn get_column(r: &mut Reader<'_>, out: &mut [f32]) -> Result<(), Damaged> {
    if r.bit()? {
        get_xor(r, out)
    } else {
        get_decimal(r, out)
    }
}

fn decode_v2(buf: &[u8], start: i64, width: usize) -> Result<Chunk, Damaged> {
    let mut times = Vec::new();
    let Opened { ids, mut columns } = open_v2(buf, start, width, &mut times)?;
    let cells = ids.len() * width;
    let mut values = vec![0f32; times.len() * cells];
    let mut column = vec![0f32; times.len()];
    for cell in 0..if times.is_empty() { 0 } else { cells } {
        get_column(&mut columns, &mut column)?;
        for (row, v) in column.iter().enumerate() {
            values[row * cells + cell] = *v;
        }
    }
    columns.finish()?;
    Ok(Chunk { ids, times, values })
}

/// Encodes `chunk` in version 1 (what earlier builds wrote), for tests of reading old rows.
pub fn encode_v1(chunk: &Chunk, start: i64) -> Vec<u8> {
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

fn decode_v1(buf: &[u8], start: i64, width: usize) -> Result<Chunk, Damaged> {
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
mod tests;
