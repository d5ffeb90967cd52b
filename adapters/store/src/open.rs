//! Opening the store: the data directory (0700), the database file (0600), WAL, the schema.

#[cfg(unix)]
use std::fs::Permissions;
use std::fs::{self, OpenOptions};
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::StoreError;
use crate::schema::{self, Outcome};

/// The database's file name inside the data directory.
pub const DB_FILE_NAME: &str = "psmonitor.db";

/// How long a write waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open `psmonitor.db`; several may be open on the same directory at once.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `psmonitor.db` in `data_dir`, and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        crate::data_dir::prepare(data_dir)?;
        let path = data_dir.join(DB_FILE_NAME);
        let created = !path.exists();
        create_file(&path)?;
        let opened = Self::open_file(path.clone());
        let empty = || fs::metadata(&path).is_ok_and(|m| m.len() == 0);
        if opened.is_err() && created && empty() {
            // A first run that failed before SQLite wrote anything (a full disk, say) leaves no
            // empty file behind. A file another process has written to meanwhile is kept.
            remove_db_files(&path);
        }
        opened
    }

    fn open_file(path: PathBuf) -> Result<Store, StoreError> {
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(&path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Read before anything writes: a foreign file must fail here, untouched.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| classify(&path, e))?;
        enable_wal(&conn, BUSY_TIMEOUT).map_err(|e| classify(&path, e))?;
        match schema::migrate(&mut conn).map_err(|e| classify(&path, e))? {
            Outcome::Ready => {}
            Outcome::Newer(found) => {
                return Err(StoreError::NewerSchema {
                    path,
                    found,
                    supported: schema::CURRENT,
                });
            }
        }
        tighten(&path)?;
        Ok(Store { conn, path })
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Pause between tries of the switch to WAL while another opener holds the database.
const WAL_RETRY: Duration = Duration::from_millis(10);

/// Switches the database to WAL (for `psmonitor.db` here, and `history.db` in
/// `psmonitor-history`). The switch needs the database to itself, and SQLite answers "database
/// is locked" at once instead of waiting through the busy handler when two first runs race; so
/// a busy switch is tried again for up to `wait` (as long as any other statement would wait).
pub fn enable_wal(conn: &Connection, wait: Duration) -> Result<(), rusqlite::Error> {
    let deadline = Instant::now() + wait;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(WAL_RETRY);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Removes a database and its WAL files.
fn remove_db_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

/// Creates the database file with mode 0600 (on Unix) before SQLite sees it; never truncates an
/// existing one.
fn create_file(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::File {
            path: path.to_path_buf(),
            source,
        })
}

/// Sets mode 0600 on the database and its `-wal` and `-shm` files where they are looser.
#[cfg(unix)]
fn tighten(db: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let Ok(meta) = fs::metadata(&path) else {
            continue; // -wal and -shm come and go
        };
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(&path, Permissions::from_mode(0o600))
                .map_err(|source| StoreError::File { path, source })?;
        }
    }
    Ok(())
}

/// Unix modes do not exist elsewhere: the files stay as the data directory's access list makes them.
#[cfg(not(unix))]
fn tighten(_db: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Names the "this is not our database" failures; everything else is a plain SQLite error.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            source: e,
        },
        _ => StoreError::Sqlite(e),
    }
}
