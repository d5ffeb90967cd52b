//! A writer killed with SIGKILL loses at most its last batch: every sample up to the last
//! committed batch is in the file, complete, when it is opened again.
//!
//! The child is this test binary run again with `PSM_HISTORY_CHILD` set: it writes samples in
//! 10-second batches (simulated clock, as fast as it can) and prints each committed time.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{query, sample, value};
use psmonitor_history::{HistoryStore, Retention};

const CHILD: &str = "PSM_HISTORY_CHILD";

/// The child's body: runs until killed.
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os(CHILD) else {
        return; // Only meaningful as the child of `kill_nine_loses_at_most_the_last_batch`.
    };
    let (mut store, _) = HistoryStore::open(dir.as_ref(), Retention::default(), 0).unwrap();
    for t in 0.. {
        store.append(t, sample(t, 4));
        if store.pending_span() >= 10 {
            store.flush().unwrap();
            println!("committed {t}");
        }
    }
}

#[test]
fn kill_nine_loses_at_most_the_last_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = None;
    let mut seen = 0;
    for line in lines.by_ref() {
        if let Some(t) = line.unwrap().strip_prefix("committed ") {
            committed = Some(t.parse::<i64>().unwrap());
            seen += 1;
            if seen == 50 {
                break;
            }
        }
    }
    // SIGKILL, mid-stream: no destructor, no final flush.
    child.kill().unwrap();
    child.wait().unwrap();
    let committed = committed.expect("the child committed batches");
    let (store, aside) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert!(aside.is_none(), "the file survives a kill -9 intact");
    let data = store
        .query(&query(&["cpu.usage@2"], 0, committed, Some(1)), 1)
        .unwrap();
    for (i, t) in data.times.iter().enumerate() {
        assert_eq!(data.series["cpu.usage@2"][i], Some(value(*t, 3)), "t = {t}");
    }
    // What was written after the last line we read is at most one more batch each way.
    let after = store
        .query(
            &query(&["cpu.usage"], committed + 1, committed + 1_000, Some(1)),
            1,
        )
        .unwrap();
    let extra = after.series["cpu.usage"]
        .iter()
        .filter(|v| v.is_some())
        .count();
    println!("committed through {committed}; {extra} samples after it survived");
}
