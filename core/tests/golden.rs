//! The encoded bodies of every fixture host (and its detailed frame), compared byte for byte with
//! `fixtures/golden/`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p psmonitor-core --test golden` rewrites the golden files instead;
//! review their diff in the commit that changes the behaviour.

mod common;

use std::path::Path;

use common::{HOSTS, detailed_snapshot, fixtures_dir, snapshot};

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

/// `None` when equal, else where and how the two texts first differ.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let at = expected
        .bytes()
        .zip(actual.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let window = |s: &str| {
        let start = s.floor_char_boundary(at.saturating_sub(40));
        let end = s.ceil_char_boundary((at + 40).min(s.len()));
        s[start..end].to_owned()
    };
    Some(format!(
        "first difference at byte {at} (expected {} bytes, got {}):\n  expected …{}…\n  actual   …{}…",
        expected.len(),
        actual.len(),
        window(expected),
        window(actual)
    ))
}

fn check_or_update(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if updating() {
        std::fs::create_dir_all(path.parent().expect("golden files live in a folder"))
            .expect("create the golden folder");
        std::fs::write(path, actual).expect("write a golden file");
        return;
    }
    match std::fs::read_to_string(path) {
        Err(e) => failures.push(format!(
            "{}: cannot read ({e}); run with UPDATE_GOLDEN=1",
            path.display()
        )),
        Ok(expected) => {
            if let Some(diff) = first_difference(&expected, actual) {
                failures.push(format!("{}: {diff}", path.display()));
            }
        }
    }
}

#[test]
fn every_host_matches_its_golden_bodies_byte_for_byte() {
    let mut failures = Vec::new();
    for host in HOSTS {
        let snap = snapshot(host);
        let dir = fixtures_dir().join("golden").join(host);
        check_or_update(&dir.join("system.json"), &snap.system, &mut failures);
        check_or_update(&dir.join("network.json"), &snap.network, &mut failures);
        check_or_update(&dir.join("frame.json"), &snap.frame, &mut failures);
        let detailed = detailed_snapshot(host);
        assert_eq!(
            detailed.frame, snap.frame,
            "{host}: the classic frame depends on no detail"
        );
        let detail = detailed.detail.expect("asked for the detailed frame");
        check_or_update(&dir.join("detail.json"), &detail, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "golden mismatch:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_difference_report_points_at_the_first_changed_byte() {
    assert_eq!(first_difference("same", "same"), None);
    let report = first_difference("{\"a\":1.0}", "{\"a\":1.5}").expect("texts differ");
    assert!(report.contains("byte 7"), "{report}");
}
