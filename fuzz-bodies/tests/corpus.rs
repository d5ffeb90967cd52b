//! Replays every committed fuzz input through the same body the libFuzzer harness runs:
//! `fuzz/corpus/<target>/` (the minimised seed corpus) and `fuzz/regressions/<target>/` (one file
//! per crash found, each fixed). Every target must have a non-empty corpus directory, so a
//! target added without its corpus, or a corpus lost, fails here.

use std::fs;
use std::path::{Path, PathBuf};

use psmonitor_fuzz_bodies::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; empty when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8]), dir: &Path) -> usize {
    let files = inputs(dir);
    for file in &files {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
            std::panic::resume_unwind(Box::new(format!(
                "{target}: {} fails: {panic:?}",
                file.display()
            )));
        }
    }
    files.len()
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_file_passes() {
    for &(target, body) in TARGETS {
        let corpus = fuzz_dir().join("corpus").join(target);
        let count = replay(target, body, &corpus);
        assert!(count > 0, "{} is missing or empty", corpus.display());
    }
}

#[test]
fn every_regression_input_passes() {
    for &(target, body) in TARGETS {
        replay(target, body, &fuzz_dir().join("regressions").join(target));
    }
}

#[test]
fn every_corpus_directory_names_a_target() {
    for kind in ["corpus", "regressions"] {
        for dir in inputs_dirs(&fuzz_dir().join(kind)) {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "{} is for no target",
                dir.display()
            );
        }
    }
}

fn inputs_dirs(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}
