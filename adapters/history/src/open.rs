//! Opening `history.db`: mode 0600, the schema and its version, and moving a damaged file aside.

#[cfg(unix)]
use std::fs::Permissions;
use std::fs::{self, OpenOptions};
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::HistoryError;

/// The history database's file name inside the data directory.
pub const HISTORY_FILE_NAME: &str = "history.db";

/// Migration `i` takes the schema from version `i` to `i + 1`; append, never edit.
const MIGRATIONS: &[&str] = &[
    // 1: series names, raw chunks and per-minute rollup chunks (see codec.rs for the blob).
    "CREATE TABLE series (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    ) STRICT;
    CREATE TABLE raw (
        id    INTEGER PRIMARY KEY,
        start INTEGER NOT NULL,
        end   INTEGER NOT NULL,
        data  BLOB NOT NULL
    ) STRICT;
    CREATE INDEX raw_start ON raw (start);
    CREATE TABLE rollup (
        id    INTEGER PRIMARY KEY,
        start INTEGER NOT NULL,
        end   INTEGER NOT NULL,
        data  BLOB NOT NULL
    ) STRICT;
    CREATE INDEX rollup_start ON rollup (start);",
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Whether an SQLite error means the file is not a (healthy) database.
pub(crate) fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Opens `path`, creating it (0600) with the current schema when missing.
///
/// A damaged file is an error ([`HistoryError::Damaged`]); [`open_or_recover`] moves it aside.
pub fn open(path: &Path) -> Result<Connection, HistoryError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).map_err(|source| HistoryError::File {
        path: path.to_owned(),
        source,
    })?;
    let damaged = |e: rusqlite::Error| {
        if is_damage(&e) {
            HistoryError::Damaged {
                path: path.to_owned(),
                detail: e.to_string(),
            }
        } else {
            HistoryError::Sqlite(e)
        }
    };
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(damaged)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let check: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(damaged)?;
    if check != "ok" {
        return Err(HistoryError::Damaged {
            path: path.to_owned(),
            detail: check,
        });
    }
    let found: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(damaged)?;
    if found > SCHEMA_VERSION {
        return Err(HistoryError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        // Only possible before the first table exists: lets pruning hand pages back to the OS.
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL")
            .map_err(damaged)?;
    }
    psmonitor_store::enable_wal(&conn, BUSY_TIMEOUT).map_err(damaged)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    // SQLite's page cache defaults to 2 MiB a connection, a quarter of the server's RSS budget,
    // and fills as the file grows; writes append and a query reads a few chunks, so a small one
    // costs a re-read from the OS's cache at most.
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    if found < SCHEMA_VERSION {
        // Under the write lock, and looked at again: another process starting on the same fresh
        // data dir may have made the schema since.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found < SCHEMA_VERSION {
            for sql in &MIGRATIONS[found as usize..] {
                tx.execute_batch(sql).map_err(damaged)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
    }
    tighten(path);
    Ok(conn)
}

/// The most memory SQLite's page cache of `history.db` takes, KiB.
pub const PAGE_CACHE_KIB: i64 = 256;

/// How long a statement waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens `path`; a damaged file is renamed `history.db.corrupt-<unix_secs>` (with its `-wal` and
/// `-shm`), one error is logged, and a new file is started. Returns the path moved aside, if any.
pub fn open_or_recover(
    path: &Path,
    unix_secs: u64,
) -> Result<(Connection, Option<PathBuf>), HistoryError> {
    match open(path) {
        Err(HistoryError::Damaged { detail, .. }) => {
            let aside = move_aside(path, unix_secs)?;
            tracing::error!(
                "history file {} is damaged ({detail}); moved it to {} and started a new one",
                path.display(),
                aside.display()
            );
            Ok((open(path)?, Some(aside)))
        }
        other => other.map(|conn| (conn, None)),
    }
}

/// Renames the damaged file and its companions; returns where the main file went.
pub(crate) fn move_aside(path: &Path, unix_secs: u64) -> Result<PathBuf, HistoryError> {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let aside = with(&format!(".corrupt-{unix_secs}"));
    fs::rename(path, &aside).map_err(|source| HistoryError::File {
        path: path.to_owned(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let from = with(suffix);
        if from.exists() {
            let _ = fs::rename(&from, with(&format!(".corrupt-{unix_secs}{suffix}")));
        }
    }
    Ok(aside)
}

/// Mode 0600 on the database and its `-wal` and `-shm` files; best effort (Unix only: elsewhere the
/// data directory's access list covers them).
fn tighten(db: &Path) {
    #[cfg(not(unix))]
    let _ = db;
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        if let Ok(meta) = fs::metadata(&path)
            && meta.permissions().mode() & 0o077 != 0
        {
            let _ = fs::set_permissions(&path, Permissions::from_mode(0o600));
        }
    }
}

/// What happened to the history file under a running writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lost {
    /// No file at the path any more (`rm history.db`).
    Deleted,
    /// Another file is at the path now.
    Replaced,
    /// The file was cut short (`truncate`, `: > history.db`): its header is gone, or it is shorter
    /// than the pages the header counts.
    Truncated,
}

/// The identity of the file a connection opened, to notice it deleted, replaced or truncated
/// under the writer (DESIGN: never lose history silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileGuard {
    dev: u64,
    ino: u64,
}

/// SQLite's file header: magic, page size at 16, page count at 28.
const HEADER: usize = 100;
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl FileGuard {
    /// The file now at `path`; `None` where it cannot be told (not Unix, or no file).
    pub(crate) fn of(path: &Path) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(path).ok().map(|m| Self {
                dev: m.dev(),
                ino: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// What happened to the file since it was opened, if anything. Cheap: one `stat` and a
    /// 100-byte read. Call it only between transactions (the writer's own checkpoints never run
    /// concurrently with it).
    pub(crate) fn check(&self, path: &Path) -> Option<Lost> {
        use std::io::Read;
        let Some(now) = Self::of(path) else {
            return Some(Lost::Deleted);
        };
        if now != *self {
            return Some(Lost::Replaced);
        }
        let mut header = [0u8; HEADER];
        let read = fs::File::open(path).and_then(|mut f| {
            let len = f.metadata()?.len();
            f.read_exact(&mut header)?;
            Ok(len)
        });
        let Ok(len) = read else {
            return Some(Lost::Truncated);
        };
        if &header[..16] != MAGIC {
            return Some(Lost::Truncated);
        }
        let page_size = match u16::from_be_bytes([header[16], header[17]]) {
            1 => 65_536,
            n => u64::from(n),
        };
        let pages = u64::from(u32::from_be_bytes([
            header[28], header[29], header[30], header[31],
        ]));
        (len < pages * page_size).then_some(Lost::Truncated)
    }
}

/// Continues history in a new file at `path` after the open one was deleted or truncated under
/// the writer. What the old connection can still read (all of it, for a deleted file: its inode
/// lives while it is open) is copied with `VACUUM INTO` and becomes the new file; when that copy
/// fails, the new file starts empty (a truncated remnant is moved aside). A file put in its
/// place by someone else is opened as it is. Returns the new connection and whether the earlier
/// history is in it.
pub(crate) fn rescue(
    old: Connection,
    path: &Path,
    lost: Lost,
    unix_secs: u64,
) -> Result<(Connection, bool), HistoryError> {
    if lost == Lost::Replaced {
        // Someone put another file there (a restored backup, say): use it, never overwrite it.
        drop(old);
        return open_or_recover(path, unix_secs).map(|(conn, _)| (conn, false));
    }
    let mut copy = path.as_os_str().to_owned();
    copy.push(format!(".rescue-{unix_secs}"));
    let copy = PathBuf::from(copy);
    let _ = fs::remove_file(&copy);
    let copied = old
        .execute("VACUUM INTO ?1", [copy.to_string_lossy().as_ref()])
        .map_err(|e| tracing::warn!("cannot copy the history still readable: {e}"))
        .is_ok();
    // Closing checkpoints into the old file (gone, or not ours any more) and removes the `-wal`
    // and `-shm` beside the path, which belong to the old connection.
    drop(old);
    if lost == Lost::Truncated && path.exists() {
        let _ = move_aside(path, unix_secs);
    }
    if copied {
        match fs::rename(&copy, path) {
            Ok(()) => match open(path) {
                Ok(conn) => return Ok((conn, true)),
                Err(e) => {
                    tracing::warn!("the copied history does not open: {e}");
                    let _ = move_aside(path, unix_secs);
                }
            },
            Err(e) => {
                tracing::warn!("cannot put the copied history in place: {e}");
                let _ = fs::remove_file(&copy);
            }
        }
    }
    Ok((open(path)?, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_cache_is_capped_on_every_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE_NAME);
        for _ in 0..2 {
            let conn = open(&path).unwrap();
            let kib: i64 = conn
                .query_row("PRAGMA cache_size", [], |r| r.get(0))
                .unwrap();
            assert_eq!(kib, -PAGE_CACHE_KIB, "negative: KiB, not pages");
        }
    }
}
