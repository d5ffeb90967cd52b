//! Test support: writing a fake `/proc` or `/sys` tree in a temp dir.

use std::fs;
use std::path::Path;

/// Writes `text` to `rel` under `root`, making the directories on the way.
pub(crate) fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}
