//! Merging stored chunks into one. [`merge_stored`] works a column at a time, so an hour of every
//! series is never decoded whole: it holds the inputs' packed bytes, their times (in one buffer,
//! until the result's are written), and one column of the result. [`merge`] is the plain version
//! on decoded chunks, which it is checked against.

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
    // Every input's times, one input after another: one buffer, not one per input.
    let mut times: Vec<i64> = Vec::new();
    let mut inputs: Vec<Input<'_>> = Vec::with_capacity(stored.len());
    for &(start, blob) in stored {
        let from = times.len();
        let (ids, body) = Input::open(blob, start, width, &mut times)?;
        // Consecutive chunks nearly always hold the same series: keep their list once.
        let ids = match inputs.last() {
            Some(before) if *before.ids == ids[..] => Rc::clone(&before.ids),
            _ => ids.into(),
        };
        inputs.push(Input {
            ids,
            from,
            rows: times.len() - from,
            body,
            next: 0,
        });
    }
    let ids = union_of_ids(inputs.iter().map(|i| &i.ids[..]));
    // The result is about as long as its inputs together.
    let capacity = stored.iter().map(|s| s.1.len()).sum();
    let (Some(&start), Some(&end)) = (times.iter().min(), times.iter().max()) else {
        return Ok(None);
    };
    let mut w = put_head(&ids, times.len(), width, capacity);
    let landing = if times.is_sorted() {
        // As the writer stores them: the inputs' rows follow one another in the result.
        put_times(&mut w, start, times.iter().copied());
        Landing::InTurn
    } else {
        let rows = rows_in_order(inputs.iter().map(|i| &times[i.from..i.from + i.rows]));
        put_times(&mut w, start, rows.iter().map(|&(t, _, _)| t));
        let mut landing: Vec<Vec<usize>> = inputs.iter().map(|i| vec![0; i.rows]).collect();
        for (row, &(_, c, r)) in rows.iter().enumerate() {
            landing[c][r] = row;
        }
        Landing::Sorted(landing)
    };
    let n_rows = times.len();
    drop(times);
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
                    Landing::InTurn => {
                        let rows = input.from..input.from + input.rows;
                        input.read(k, width, &mut column[rows])?;
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
    /// The inputs' times, one input after another, are already in order: each input's rows
    /// are the result's rows from its `from` on.
    InTurn,
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
    /// Where its times start among all the inputs' times.
    from: usize,
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
    /// Reads a blob's ids and where its values are, appending its times to `times`.
    fn open(
        blob: &'a [u8],
        start: i64,
        width: usize,
        times: &mut Vec<i64>,
    ) -> Result<(Vec<i64>, Body<'a>), Damaged> {
        let (ids, body) = match blob.strip_prefix(&MAGIC) {
            Some(rest) => {
                let opened = open_v2(rest, start, width, times)?;
                (opened.ids, Body::Stream(opened.columns))
            }
            None => {
                let chunk = decode_v1(blob, start, width)?;
                times.extend_from_slice(&chunk.times);
                (chunk.ids, Body::Decoded(chunk.values))
            }
        };
        if ids.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(Damaged);
        }
        Ok((ids, body))
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
