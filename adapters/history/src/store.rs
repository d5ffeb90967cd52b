//! The history store: samples buffered in memory, written as one packed chunk per transaction,
//! rolled up per minute, pruned by retention, and read back onto one shared time axis.
//!
//! Time is whatever the caller says (unix seconds of each sample): pruning keeps `raw` seconds of
//! raw chunks and `rollup` seconds of minute chunks before the latest sample, so a test can replay
//! a week in a second.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use psmonitor_core::history::{
    Axis, Buckets, HistoryData, HistoryQuery, HistoryQueryError, choose_step,
};
use psmonitor_core::series::SeriesValues;
use rusqlite::types::Type;
use rusqlite::{Connection, params};

use crate::HistoryError;
use crate::codec::{self, Chunk};
use crate::open::{FileGuard, HISTORY_FILE_NAME, Lost, open_or_recover};
use crate::rollup::{MINUTE, Minute, Rollup};

/// The cells of one sample time, by series name.
type Samples<V> = (i64, Vec<(String, V)>);

/// No chunk spans more than this, so a range query reads a bounded window of rows. Chunks are
/// written within one clock hour, and an hour's chunks are merged into one once it is over
/// ([`compact`]): the codec packs a series' hour of values far tighter than its 10 s batches.
const MAX_CHUNK_SECS: i64 = 3_600;

/// How long each tier is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Every sample, for this long (default 24 h).
    pub raw: Duration,
    /// Per-minute average, minimum and maximum, for this long (default 30 d).
    pub rollup: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            raw: Duration::from_secs(24 * 3_600),
            rollup: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query names a series never recorded (400).
    #[error(transparent)]
    Invalid(#[from] HistoryQueryError),
    /// The history thread is gone or too far behind (503).
    #[error("history is busy, try again")]
    Busy,
    /// The client that asked went away before the query ran; it was not run.
    #[error("the client that asked went away; the query was not run")]
    Abandoned,
    /// The database failed (500).
    #[error("history database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An open `history.db`; see the module docs.
#[derive(Debug)]
pub struct HistoryStore {
    conn: Connection,
    path: PathBuf,
    retention: Retention,
    ids: HashMap<String, i64>,
    pending: Vec<(i64, SeriesValues)>,
    minutes: Vec<Minute>,
    rollup: Rollup,
    latest: i64,
    transactions: u64,
    /// The file the connection opened, to notice it deleted or truncated under us.
    guard: Option<FileGuard>,
}

impl HistoryStore {
    /// Opens (or creates) `<data_dir>/history.db`; a damaged file is moved aside and replaced
    /// (`now_unix` names it). Returns the store and the path a damaged file was moved to.
    pub fn open(
        data_dir: &Path,
        retention: Retention,
        now_unix: u64,
    ) -> Result<(Self, Option<PathBuf>), HistoryError> {
        let path = data_dir.join(HISTORY_FILE_NAME);
        let (conn, aside) = open_or_recover(&path, now_unix)?;
        let (ids, latest) = load_ids(&conn)?;
        let guard = FileGuard::of(&path);
        let store = Self {
            conn,
            path,
            retention,
            ids,
            pending: Vec::new(),
            minutes: Vec::new(),
            rollup: Rollup::default(),
            latest: latest.unwrap_or(i64::MIN),
            transactions: 0,
            guard,
        };
        Ok((store, aside))
    }

    /// Moves the (damaged) file aside and continues in a new one, keeping what is buffered.
    pub fn replace_damaged(&mut self) -> Result<PathBuf, HistoryError> {
        let now = self.latest.max(0) as u64;
        let aside = crate::open::move_aside(&self.path, now)?;
        self.conn = crate::open::open(&self.path)?;
        self.ids.clear();
        self.guard = FileGuard::of(&self.path);
        tracing::error!("moved the damaged history file to {}", aside.display());
        Ok(aside)
    }

    /// Checks that the file at the path is still the one being written. One deleted or truncated
    /// under the running writer is recreated at once, with everything the open connection can
    /// still read (for a deleted file, all of it), and an error is logged either way: history is
    /// never lost silently. Returns what happened, if anything.
    pub fn check_file(&mut self, unix_secs: u64) -> Result<Option<Lost>, HistoryError> {
        let Some(lost) = self.guard.and_then(|g| g.check(&self.path)) else {
            return Ok(None);
        };
        let placeholder = Connection::open_in_memory()?;
        let old = std::mem::replace(&mut self.conn, placeholder);
        let (conn, kept) = crate::open::rescue(old, &self.path, lost, unix_secs)?;
        self.conn = conn;
        self.guard = FileGuard::of(&self.path);
        let what = match lost {
            Lost::Deleted => "was deleted",
            Lost::Replaced => "was replaced by another file",
            Lost::Truncated => "was truncated",
        };
        if kept {
            tracing::error!(
                "history file {} {what} while the server ran: recreated it with the history it held",
                self.path.display()
            );
        } else {
            let (ids, latest) = load_ids(&self.conn)?;
            self.ids = ids;
            self.latest = self.latest.max(latest.unwrap_or(i64::MIN));
            tracing::error!(
                "history file {} {what} while the server ran: the history before now is lost; writing to a new file",
                self.path.display()
            );
        }
        Ok(Some(lost))
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Transactions committed since opening.
    #[must_use]
    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// Seconds between the first and the last buffered sample (0 when one or none).
    #[must_use]
    pub fn pending_span(&self) -> i64 {
        match (self.pending.first(), self.pending.last()) {
            (Some((a, _)), Some((b, _))) => b - a,
            _ => 0,
        }
    }

    /// Samples buffered and not yet written.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Buffers the values sampled at `t` (unix seconds); nothing is written until [`Self::flush`].
    pub fn append(&mut self, t: i64, values: SeriesValues) {
        if let Some(minute) = self.rollup.add(t, values.iter()) {
            self.minutes.push(minute);
        }
        self.latest = self.latest.max(t);
        self.pending.push((t, values));
    }

    /// Writes the buffered samples and finished minutes in one transaction, then prunes.
    pub fn flush(&mut self) -> Result<(), HistoryError> {
        if self.pending.is_empty() && self.minutes.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let minutes = std::mem::take(&mut self.minutes);
        let known = self.ids.clone();
        let tx = self.conn.transaction()?;
        let mut ids = std::mem::take(&mut self.ids);
        let result = (|| {
            let raw: Vec<Samples<f64>> = pending
                .into_iter()
                .map(|(t, v)| (t, v.into_iter().collect()))
                .collect();
            write_chunks(&tx, &mut ids, "raw", 1, &raw, |v| vec![*v])?;
            let rolled: Vec<Samples<[f64; 3]>> = minutes
                .into_iter()
                .map(|(m, f)| (m, f.into_iter().collect()))
                .collect();
            write_chunks(&tx, &mut ids, "rollup", 3, &rolled, |v| v.to_vec())?;
            let raw_cut = self
                .latest
                .saturating_sub(self.retention.raw.as_secs() as i64);
            tx.prepare_cached("DELETE FROM raw WHERE end < ?1")?
                .execute([raw_cut])?;
            let rollup_cut = self
                .latest
                .saturating_sub(self.retention.rollup.as_secs() as i64);
            tx.prepare_cached("DELETE FROM rollup WHERE end < ?1")?
                .execute([rollup_cut])?;
            compact(&tx, "raw", 1, self.latest)?;
            compact(&tx, "rollup", 3, self.latest)?;
            Ok::<(), rusqlite::Error>(())
        })();
        // Ids made in a transaction that fails are not in the file: forget them.
        self.ids = if result.is_ok() { ids } else { known.clone() };
        result?;
        if let Err(e) = tx.commit() {
            self.ids = known;
            return Err(e.into());
        }
        self.transactions += 1;
        let free: i64 = self
            .conn
            .prepare_cached("PRAGMA freelist_count")?
            .query_row([], |r| r.get(0))?;
        if free > 256 {
            self.conn.execute_batch("PRAGMA incremental_vacuum")?;
        }
        Ok(())
    }

    /// The names of every recorded series, sorted.
    pub fn series(&self) -> Result<Vec<String>, QueryError> {
        let mut names: Vec<String> = self.ids.keys().cloned().collect();
        for (_, values) in &self.pending {
            names.extend(
                values
                    .keys()
                    .filter(|n| !self.ids.contains_key(*n))
                    .cloned(),
            );
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Answers a validated query; `finest` is the sampling interval in whole seconds.
    pub fn query(&self, q: &HistoryQuery, finest: u32) -> Result<HistoryData, QueryError> {
        let known = self.series()?;
        if let Some(unknown) = q.series.iter().find(|s| known.binary_search(s).is_err()) {
            return Err(HistoryQueryError::UnknownSeries(unknown.clone()).into());
        }
        let raw_from = self
            .latest
            .saturating_sub(self.retention.raw.as_secs() as i64);
        let mut step = choose_step(q.step, finest, q.since, q.until);
        let rollup = step >= MINUTE as u32 || q.since < raw_from;
        if rollup {
            let s = choose_step(q.step, MINUTE as u32, q.since, q.until);
            step = s.div_ceil(MINUTE as u32) * MINUTE as u32;
        }
        let axis = Axis::new(q.since, q.until, step);
        let mut buckets: Vec<Buckets> = q.series.iter().map(|_| Buckets::new(axis)).collect();
        let wanted: Vec<Option<i64>> = q.series.iter().map(|s| self.ids.get(s).copied()).collect();
        let (table, width) = if rollup { ("rollup", 3) } else { ("raw", 1) };
        let sql = format!(
            "SELECT start, data FROM {table} WHERE start >= ?1 AND start <= ?2 AND end >= ?3 ORDER BY start"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let lo = axis.start - MAX_CHUNK_SECS;
        let hi = q.until;
        let mut rows = stmt.query(params![lo, hi, axis.start])?;
        while let Some(row) = rows.next()? {
            let start: i64 = row.get(0)?;
            let data: Vec<u8> = row.get(1)?;
            let Ok(chunk) = codec::decode(&data, start, width) else {
                tracing::warn!("skipping a damaged history chunk at {start}");
                continue;
            };
            for (b, id) in buckets.iter_mut().zip(&wanted) {
                let Some(col) = id.and_then(|id| chunk.ids.iter().position(|&c| c == id)) else {
                    continue;
                };
                for (i, &t) in chunk.times.iter().enumerate() {
                    let v = chunk.values[(i * chunk.ids.len() + col) * width];
                    b.add(t, f64::from(v));
                }
            }
        }
        // Samples (or minutes) not yet written answer too.
        for (b, name) in buckets.iter_mut().zip(&q.series) {
            if rollup {
                for (m, figures) in &self.minutes {
                    if let Some(f) = figures.get(name) {
                        b.add(*m, f64::from(f[0] as f32));
                    }
                }
            } else {
                for (t, values) in &self.pending {
                    if let Some(v) = values.get(name) {
                        b.add(*t, f64::from(*v as f32));
                    }
                }
            }
        }
        let series = q
            .series
            .iter()
            .cloned()
            .zip(buckets.into_iter().map(Buckets::finish))
            .collect::<BTreeMap<_, _>>();
        Ok(HistoryData {
            step,
            times: axis.times(),
            series,
        })
    }
}

/// Writes samples as chunks of at most [`MAX_CHUNK_SECS`], creating series ids as needed.
/// The series ids in the file, and the end of its newest raw chunk.
fn load_ids(conn: &Connection) -> Result<(HashMap<String, i64>, Option<i64>), rusqlite::Error> {
    let mut ids = HashMap::new();
    let mut stmt = conn.prepare("SELECT name, id FROM series")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (name, id) = row?;
        ids.insert(name, id);
    }
    let latest = conn.query_row("SELECT max(end) FROM raw", [], |r| r.get(0))?;
    Ok((ids, latest))
}

fn write_chunks<V>(
    tx: &rusqlite::Transaction<'_>,
    ids: &mut HashMap<String, i64>,
    table: &str,
    width: usize,
    samples: &[Samples<V>],
    cells: impl Fn(&V) -> Vec<f64>,
) -> rusqlite::Result<()> {
    let mut rest = samples;
    while let Some((first, _)) = rest.first() {
        let hour = first.div_euclid(MAX_CHUNK_SECS);
        let n = rest
            .iter()
            .position(|(t, _)| t.div_euclid(MAX_CHUNK_SECS) != hour)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(n);
        rest = tail;
        let mut columns: BTreeMap<i64, usize> = BTreeMap::new();
        for (_, values) in run {
            for (name, _) in values {
                let id = series_id(tx, ids, name)?;
                columns.entry(id).or_insert(0);
            }
        }
        for (i, col) in columns.values_mut().enumerate() {
            *col = i;
        }
        let n_ids = columns.len();
        let mut chunk = Chunk {
            ids: columns.keys().copied().collect(),
            times: run.iter().map(|(t, _)| *t).collect(),
            values: vec![f32::NAN; run.len() * n_ids * width],
        };
        for (row, (_, values)) in run.iter().enumerate() {
            for (name, v) in values {
                let col = columns[&ids[name]];
                for (k, x) in cells(v).into_iter().enumerate().take(width) {
                    chunk.values[(row * n_ids + col) * width + k] = x as f32;
                }
            }
        }
        let start = chunk.times.first().copied().unwrap_or(*first);
        let end = chunk.times.last().copied().unwrap_or(start);
        let blob = codec::encode(&chunk, start, width);
        let sql = format!("INSERT INTO {table} (start, end, data) VALUES (?1, ?2, ?3)");
        tx.prepare_cached(&sql)?
            .execute(params![start, end, blob])?;
    }
    Ok(())
}

fn series_id(
    tx: &rusqlite::Transaction<'_>,
    ids: &mut HashMap<String, i64>,
    name: &str,
) -> rusqlite::Result<i64> {
    if let Some(&id) = ids.get(name) {
        return Ok(id);
    }
    tx.execute("INSERT OR IGNORE INTO series (name) VALUES (?1)", [name])?;
    let id: i64 = tx.query_row("SELECT id FROM series WHERE name = ?1", [name], |r| {
        r.get(0)
    })?;
    ids.insert(name.to_owned(), id);
    Ok(id)
}

/// Merges the chunks of every finished clock hour of `table` (one that ended before the hour of
/// `latest`) into one chunk, a column at a time ([`codec::merge_stored`]: the hour is never
/// decoded whole). Chunks that span two hours (older builds wrote them) are left as they are;
/// an hour holding a chunk that does not decode is left alone, so nothing is lost.
fn compact(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    width: usize,
    latest: i64,
) -> rusqlite::Result<()> {
    let current = latest.div_euclid(MAX_CHUNK_SECS) * MAX_CHUNK_SECS;
    let hours: Vec<i64> = {
        let sql = format!(
            "SELECT start / {MAX_CHUNK_SECS} AS h FROM {table} \
             WHERE end < ?1 AND start >= 0 AND start / {MAX_CHUNK_SECS} = end / {MAX_CHUNK_SECS} \
             GROUP BY h HAVING count(*) > 1"
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        stmt.query_map([current], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for hour in hours {
        let (from, to) = (hour * MAX_CHUNK_SECS, (hour + 1) * MAX_CHUNK_SECS);
        // The hour's blobs in one buffer (sized first), not one allocation per row.
        let size = format!(
            "SELECT count(*), coalesce(sum(length(data)), 0) FROM {table} \
             WHERE start >= ?1 AND end < ?2"
        );
        let (count, bytes): (i64, i64) =
            tx.query_row(&size, [from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut blobs: Vec<u8> = Vec::with_capacity(usize::try_from(bytes).unwrap_or(0));
        let mut rows: Vec<(i64, i64, std::ops::Range<usize>)> =
            Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let sql = format!(
            "SELECT id, start, data FROM {table} WHERE start >= ?1 AND end < ?2 ORDER BY start, id"
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut found = stmt.query([from, to])?;
        while let Some(row) = found.next()? {
            // `data` is `BLOB NOT NULL` in a STRICT table: nothing else can be stored there.
            let data = row.get_ref(2)?.as_blob().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(2, Type::Blob, Box::new(e))
            })?;
            let at = blobs.len();
            blobs.extend_from_slice(data);
            rows.push((row.get(0)?, row.get(1)?, at..blobs.len()));
        }
        drop(found);
        drop(stmt);
        let stored: Vec<(i64, &[u8])> = rows
            .iter()
            .map(|(_, start, at)| (*start, &blobs[at.clone()]))
            .collect();
        let Ok(Some(merged)) = codec::merge_stored(&stored, width) else {
            continue;
        };
        let delete = format!("DELETE FROM {table} WHERE id = ?1");
        for (id, _, _) in &rows {
            tx.execute(&delete, [id])?;
        }
        let insert = format!("INSERT INTO {table} (start, end, data) VALUES (?1, ?2, ?3)");
        tx.execute(&insert, params![merged.start, merged.end, merged.blob])?;
    }
    Ok(())
}
