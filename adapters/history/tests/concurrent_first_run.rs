//! Two servers (or a server and the desktop app) starting together on a fresh data dir both open
//! the history: one makes the schema, the others wait for it instead of failing.

use std::sync::{Arc, Barrier};

use psmonitor_history::{HISTORY_FILE_NAME, HistoryStore, Retention};

#[test]
fn openers_racing_on_a_fresh_file_all_succeed() {
    // A race that is lost rarely needs rounds: each round is a fresh file.
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let openers = 4;
        let barrier = Arc::new(Barrier::new(openers));
        let handles: Vec<_> = (0..openers)
            .map(|_| {
                let dir = dir.path().to_owned();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    HistoryStore::open(&dir, Retention::default(), 1).map(|(_, aside)| aside)
                })
            })
            .collect();
        for handle in handles {
            let aside = handle
                .join()
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: an opener failed: {e}"));
            assert_eq!(aside, None, "round {round}: nothing is damaged");
        }
        assert!(dir.path().join(HISTORY_FILE_NAME).exists());
    }
}
