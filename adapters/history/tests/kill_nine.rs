//! A history writer killed with SIGKILL loses at most the samples of its last 10 s, as the README
//! and DESIGN 5.4 say: every sample up to the last batch is in the file, complete, and the samples
//! missing are fewer than one batch's worth.
//!
//! The child is this test binary run again with `PSM_HISTORY_CHILD` set: it runs the real
//! [`HistoryWriter`] (1 s samples on a simulated clock), and after each sample waits until the
//! writer has taken it (a query behind it in the writer's queue has been answered), prints
//! `handed T` and waits for a line on stdin before the next. The parent kills it right after
//! `handed N`, for every N across two batches, so the worst moment of a batch is among them.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::{query, sample, value};
use psmonitor_history::{BATCH_SECS, HistoryStore, HistoryWriter, Retention};

const CHILD: &str = "PSM_HISTORY_CHILD";

/// The child's body: runs until killed.
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os(CHILD) else {
        return; // Only meaningful as the child of `kill_nine_loses_at_most_the_last_10_s`.
    };
    let (store, _) = HistoryStore::open(dir.as_ref(), Retention::default(), 0).unwrap();
    let writer = HistoryWriter::start(store, 1).unwrap();
    for t in 0.. {
        writer.append(t, sample(t, 4));
        let (done, taken) = mpsc::channel();
        writer.series(Box::new(move |_| done.send(()).unwrap()));
        taken.recv().unwrap();
        println!("handed {t}");
        std::io::stdout().flush().unwrap();
        let mut go = String::new();
        std::io::stdin().read_line(&mut go).unwrap();
    }
}

/// Runs a child writer, SIGKILLs it right after it handed sample `n`; the newest sample in the
/// file afterwards.
fn kill_after(n: i64) -> (tempfile::TempDir, HistoryStore, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut go = child.stdin.take().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reached = false;
    for line in lines.map_while(Result::ok) {
        // The first one follows the test harness's `test child_writer ... ` on the same line.
        let Some((_, t)) = line.rsplit_once("handed ") else {
            continue;
        };
        if t.parse::<i64>().unwrap() == n {
            reached = true;
            break;
        }
        go.write_all(b"\n").unwrap();
    }
    // SIGKILL: no destructor, no final flush.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(reached, "the child never handed sample {n}");
    let (store, aside) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    assert!(aside.is_none(), "the file survives a kill -9 intact");
    let data = store
        .query(&query(&["cpu.usage"], 0, n + 100, Some(1)), 1)
        .unwrap();
    let newest = data
        .times
        .iter()
        .zip(&data.series["cpu.usage"])
        .filter(|(_, v)| v.is_some())
        .map(|(t, _)| *t)
        .max()
        .unwrap_or(-1);
    (dir, store, newest)
}

#[test]
fn kill_nine_loses_at_most_the_last_10_s() {
    let mut worst = 0;
    for n in 10..(10 + 2 * BATCH_SECS) {
        let (_dir, store, newest) = kill_after(n);
        assert!(newest <= n, "sample {newest} was never handed over");
        let lost = n - newest;
        // Samples newest+1..=n are lost; the next one would have come 1 s after n, so the
        // history ends less than `lost + 1` seconds before the kill.
        assert!(
            lost < BATCH_SECS,
            "killed after sample {n}: the file ends at {newest}, {lost} samples lost, so {} s of history",
            lost + 1
        );
        worst = worst.max(lost + 1);
        // Everything up to the last batch is there, complete.
        let data = store
            .query(&query(&["cpu.usage@2"], 0, newest, Some(1)), 1)
            .unwrap();
        assert_eq!(data.times.len() as i64, newest + 1);
        for (i, t) in data.times.iter().enumerate() {
            assert_eq!(data.series["cpu.usage@2"][i], Some(value(*t, 3)), "t = {t}");
        }
    }
    assert_eq!(
        worst, BATCH_SECS,
        "the worst kill lost exactly one batch's 10 s"
    );
}
