//! Opening `history.db`: mode 0600, the schema and its version, and moving a damaged file aside.

#[cfg(unix)]
use std::fs::Permissions;
use std::fs::{self, OpenOptions};
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

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
    enable_wal(&conn).map_err(damaged)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
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

/// How long a statement waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Switches to WAL. SQLite answers a busy switch at once instead of through the busy handler
/// when two first runs race, so a busy switch is tried again for as long as a statement waits.
fn enable_wal(conn: &Connection) -> Result<(), rusqlite::Error> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
}

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
