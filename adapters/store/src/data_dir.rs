//! The data directory holds the password hash and the token-signing key: it must be ours, 0700,
//! and not reachable through a directory where someone else could swap it (a group- or
//! world-writable directory that is not sticky, or a symlink placed in one). Those are Unix checks; elsewhere (Windows) the directory
//! is created as it is, inside the user's own profile, whose access list already keeps others out.

use std::fs;
#[cfg(unix)]
use std::fs::{DirBuilder, Permissions};
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;
#[cfg(unix)]
use std::path::PathBuf;

use crate::StoreError;

#[cfg(unix)]
/// Sticky bit: in a world-writable directory, only an entry's owner may rename or remove it.
const STICKY: u32 = 0o1000;

#[cfg(unix)]
fn unsafe_dir(path: &Path, reason: String) -> StoreError {
    StoreError::UnsafeDataDir {
        path: path.to_path_buf(),
        reason,
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
/// Whether `uid` may be trusted with our files: ourselves or root.
fn trusted(uid: u32, me: u32) -> bool {
    uid == me || uid == 0
}

#[cfg(unix)]
/// Checks every directory on the way to `path` (which exists): none may be group- or
/// world-writable unless sticky (like `/tmp`), and in a sticky one the entry below must be ours or root's. A symlink on the way
/// must be ours or root's and must not sit in a directory others can write to.
/// The last directory itself is exempt from the mode check when `is_data_dir` (ours, it is
/// tightened instead).
fn check_route(path: &Path, me: u32, is_data_dir: bool) -> Result<(), StoreError> {
    let mut walked = PathBuf::new();
    let mut parent_open_to_others = false;
    let count = path.components().count();
    for (i, part) in path.components().enumerate() {
        let last = i + 1 == count;
        walked.push(part);
        let meta = fs::symlink_metadata(&walked).map_err(io_err(&walked))?;
        if parent_open_to_others && !trusted(meta.uid(), me) {
            return Err(unsafe_dir(
                path,
                format!(
                    "{} is owned by uid {} inside a directory anyone can write to",
                    walked.display(),
                    meta.uid()
                ),
            ));
        }
        if meta.file_type().is_symlink() {
            if parent_open_to_others {
                return Err(unsafe_dir(
                    path,
                    format!(
                        "it is reached through the symlink {} in a directory anyone can write to",
                        walked.display()
                    ),
                ));
            }
            let target = fs::canonicalize(&walked).map_err(io_err(&walked))?;
            check_route(&target, me, last && is_data_dir)?;
            walked = target;
            parent_open_to_others = false;
            continue;
        }
        let mode = meta.mode();
        if mode & 0o022 != 0 && mode & STICKY == 0 && !(last && is_data_dir) {
            let who = if mode & 0o002 != 0 {
                "others"
            } else {
                "its group"
            };
            let fix = if mode & 0o002 != 0 { "go-w" } else { "g-w" };
            return Err(unsafe_dir(
                path,
                format!(
                    "it is reached through {}, which {who} can write to (mode {:o}): `chmod {fix} {}`, or choose a --data-dir elsewhere",
                    walked.display(),
                    mode & 0o7777,
                    walked.display()
                ),
            ));
        }
        parent_open_to_others = mode & 0o022 != 0;
    }
    Ok(())
}

#[cfg(unix)]
/// Makes `dir` a safe data directory: created 0700 if missing; if it exists, it must be ours
/// (it is then tightened to 0700); the route to it must be safe (see [`check_route`]).
pub(crate) fn prepare(dir: &Path) -> Result<(), StoreError> {
    let me = rustix::process::geteuid().as_raw();
    let absolute = std::path::absolute(dir).map_err(io_err(dir))?;
    // The part of the route that exists already.
    let mut existing = absolute.as_path();
    while fs::symlink_metadata(existing).is_err() {
        existing = existing.parent().unwrap_or(Path::new("/"));
    }
    check_route(existing, me, existing == absolute)?;
    if fs::symlink_metadata(&absolute).is_err() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&absolute)
            .map_err(io_err(dir))?;
        // The mode above is filtered by the umask; make it exact.
        return fs::set_permissions(&absolute, Permissions::from_mode(0o700)).map_err(io_err(dir));
    }
    let meta = fs::metadata(&absolute).map_err(io_err(dir))?;
    if !meta.is_dir() {
        return Err(unsafe_dir(dir, "it is not a directory".to_owned()));
    }
    if meta.uid() != me {
        return Err(unsafe_dir(
            dir,
            format!(
                "it is owned by uid {}, not by this user (uid {me}): choose another --data-dir, or chown it",
                meta.uid()
            ),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(&absolute, Permissions::from_mode(0o700)).map_err(io_err(dir))?;
    }
    Ok(())
}

/// Creates `dir` (and its parents) where it is missing.
#[cfg(not(unix))]
pub(crate) fn prepare(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(io_err(dir))
}
