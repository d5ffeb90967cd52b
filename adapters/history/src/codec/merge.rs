//! Merging stored chunks into one. [`merge_stored`] works a column at a time, so an hour of every
//! series is never decoded whole: it holds the inputs' packed bytes, their times, and one column
//! of the result. [`merge`] is the plain version on decoded chunks, which it is checked against.

use std::rc::Rc;

use super::bits::Reader;
use super::{
    Chunk, Damaged, MAGIC, decode_v1, get_column, open_v2, put_column, put_head, put_times,
};

/// One chunk of everything in `chunks` (each `width` values per cell), times in order (a time
/// found in two chunks is kept twice, as it was stored), `NaN` where a series was not sampled.
pub fn merge(chunks: &[Chunk], width: usize) -> Chunk {
    let ids = union_of_ids(chunks.iter().map(|c| c.ids.as_slice()));
    let rows = rows_in_order(chunks.iter().map(|c| c.times.as_slice()));
    let cells = ids.len() * width;
    let mut values = vec![f32::NAN; rows.len() * cells];
    let columns: Vec<Vec<usize>> = chunks
        .iter()
        .map(|c| {
            c.ids
                .iter()
                .map(|id| ids.binary_search(id).unwrap_or(0))
                .collect()
        })
        .collect();
    for (row, &(_, c, r)) in rows.iter().enumerate() {
        let chunk = &chunks[c];
        let own = chunk.ids.len() * width;
        for (i, &col) in columns[c].iter().enumerate() {
            for k in 0..width {
                if let Some(&v) = chunk.values.get(r * own + i * width + k) {
                    values[row * cells + col * width + k] = v;
                }
            }
        }
    }
    Chunk {
        ids,
        times: rows.iter().map(|&(t, _, _)| t).collect(),
        values,
    }
}

/// The blob [`merge_stored`] made, and the first and last time in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The first time (the blob is stored with it as its start).
    pub start: i64,
    /// The last time.
    pub end: i64,
    /// The packed chunk (version 2).
    pub blob: Vec<u8>,
}

/// The blob of [`merge`] of the stored chunks (each its start and its blob, either version),
/// byte for byte, without decoding any of them whole; `None` if they hold no time. A blob that
/// does not decode, or whose series ids are not ascending (no writer made one), is refused.
pub fn merge_stored(stored: &[(i64, &[u8])], width: usize) -> Result<Option<Merged>, Damaged> {
    let mut inputs: Vec<Input<'_>> = Vec::with_capacity(stored.len());
    for &(start, blob) in stored {
        let mut input = Input::open(blob, start, width)?;
        // Consecutive chunks nearly always hold the same series: keep their list once.
        if let Some(before) = inputs.last().filter(|before| before.ids == input.ids) {
            input.ids = Rc::clone(&before.ids);
        }
        inputs.push(input);
    }
    let ids = union_of_ids(inputs.iter().map(|i| &i.ids[..]));
    let n_rows: usize = inputs.iter().map(|i| i.rows).sum();
    let capacity = stored.iter().map(|s| s.1.len() * 2).sum();
    let all_times = || inputs.iter().flat_map(|i| i.times.iter().copied());
    let (Some(start), Some(end)) = (all_times().min(), all_times().max()) else {
        return Ok(None);
    };
    let mut w = put_head(&ids, n_rows, width, capacity);
    let landing = if all_times().is_sorted() {
        // As the writer stores them: the inputs' rows follow one another in the result.
        put_times(&mut w, start, all_times());
        let mut at = 0;
        Landing::InTurn(
            inputs
                .iter()
                .map(|i| {
                    let first = at;
                    at += i.rows;
                    first
                })
                .collect(),
        )
    } else {
        let rows = rows_in_order(inputs.iter().map(|i| i.times.as_slice()));
        put_times(&mut w, start, rows.iter().map(|&(t, _, _)| t));
        let mut landing: Vec<Vec<usize>> = inputs.iter().map(|i| vec![0; i.rows]).collect();
        for (row, &(_, c, r)) in rows.iter().enumerate() {
            landing[c][r] = row;
        }
        Landing::Sorted(landing)
    };
    for input in &mut inputs {
        input.times = Vec::new();
    }
    let mut column = vec![f32::NAN; n_rows];
    let mut theirs = Vec::new();
    for &id in &ids {
        for k in 0..width {
            column.fill(f32::NAN);
            for (c, input) in inputs.iter_mut().enumerate() {
                if input.ids.get(input.next) != Some(&id) || input.rows == 0 {
                    continue;
                }
                match &landing {
                    Landing::InTurn(first) => {
                        input.read(k, width, &mut column[first[c]..first[c] + input.rows])?;
                    }
                    Landing::Sorted(rows) => {
                        theirs.resize(input.rows, f32::NAN);
                        input.read(k, width, &mut theirs)?;
                        for (&row, &v) in rows[c].iter().zip(&theirs) {
                            column[row] = v;
                        }
                    }
                }
            }
            put_column(&mut w, &column);
        }
        for input in &mut inputs {
            if input.ids.get(input.next) == Some(&id) {
                input.next += 1;
            }
        }
    }
    for input in inputs {
        input.finish()?;
    }
    Ok(Some(Merged {
        start,
        end,
        blob: w.finish(),
    }))
}

/// Where each input's rows go in the result.
enum Landing {
    /// The inputs' times, one input after another, are already in order: input `c`'s rows are
    /// the result's rows from `self.0[c]` on.
    InTurn(Vec<usize>),
    /// Otherwise: the result's row of each row of each input.
    Sorted(Vec<Vec<usize>>),
}

/// Every id of the chunks, sorted, once each.
fn union_of_ids<'a>(ids: impl Iterator<Item = &'a [i64]>) -> Vec<i64> {
    let mut all: Vec<i64> = ids.flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Every row of the chunks as (time, chunk, row in it), by time, then chunk, then row.
fn rows_in_order<'a>(times: impl Iterator<Item = &'a [i64]>) -> Vec<(i64, usize, usize)> {
    let mut rows: Vec<(i64, usize, usize)> = times
        .enumerate()
        .flat_map(|(c, times)| times.iter().enumerate().map(move |(r, &t)| (t, c, r)))
        .collect();
    rows.sort_unstable();
    rows
}

/// One stored chunk, read a series at a time in the order it was written.
struct Input<'a> {
    ids: Rc<[i64]>,
    /// Its times, until the result's times are written.
    times: Vec<i64>,
    /// How many times it holds.
    rows: usize,
    body: Body<'a>,
    /// The index in `ids` of the next series to read.
    next: usize,
}

/// Where an input's values come from.
enum Body<'a> {
    /// Version 2: the bit stream, at the next column.
    Stream(Reader<'a>),
    /// Version 1 (older files, time-major): decoded whole.
    Decoded(Vec<f32>),
}

impl<'a> Input<'a> {
    fn open(blob: &'a [u8], start: i64, width: usize) -> Result<Self, Damaged> {
        let (ids, times, body) = match blob.strip_prefix(&MAGIC) {
            Some(rest) => {
                let opened = open_v2(rest, start, width)?;
                (opened.ids, opened.times, Body::Stream(opened.columns))
            }
            None => {
                let chunk = decode_v1(blob, start, width)?;
                (chunk.ids, chunk.times, Body::Decoded(chunk.values))
            }
        };
        if ids.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(Damaged);
        }
        Ok(Self {
            ids: ids.into(),
            rows: times.len(),
            times,
            body,
            next: 0,
        })
    }

    /// Reads value `k` of the next series at every time into `out`.
    fn read(&mut self, k: usize, width: usize, out: &mut [f32]) -> Result<(), Damaged> {
        match &mut self.body {
            Body::Stream(columns) => get_column(columns, out),
            Body::Decoded(values) => {
                let cells = self.ids.len() * width;
                let cell = self.next * width + k;
                for (row, v) in out.iter_mut().enumerate() {
                    *v = values.get(row * cells + cell).copied().ok_or(Damaged)?;
                }
                Ok(())
            }
        }
    }

    /// Checks that every column was read and nothing follows them.
    fn finish(self) -> Result<(), Damaged> {
        match self.body {
            Body::Stream(columns) => columns.finish(),
            Body::Decoded(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
