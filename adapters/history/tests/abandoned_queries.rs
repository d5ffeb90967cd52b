//! A query whose client went away while it waited for the history thread is not run (issue 20:
//! `/history` queries are dropped when the client is gone), and the thread goes on answering.

use psmonitor_core::history::HistoryQuery;
use psmonitor_history::{HistoryStore, HistoryWriter, QueryError, Retention};

fn query(series: &str) -> HistoryQuery {
    HistoryQuery {
        series: vec![series.to_owned()],
        since: 0,
        until: 100,
        step: None,
    }
}

#[test]
fn an_unwanted_query_is_not_run_and_the_next_one_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = HistoryStore::open(dir.path(), Retention::default(), 0).unwrap();
    let writer = HistoryWriter::start(store, 1).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Run, this query would be refused (no series is recorded yet): `Abandoned` shows it was not.
    let abandoned = tx.clone();
    writer.query_while(
        query("cpu.usage"),
        Box::new(|| false),
        Box::new(move |answer| abandoned.send(answer).unwrap()),
    );
    writer.query_while(
        query("cpu.usage"),
        Box::new(|| true),
        Box::new(move |answer| tx.send(answer).unwrap()),
    );
    assert!(matches!(rx.recv().unwrap(), Err(QueryError::Abandoned)));
    assert!(matches!(rx.recv().unwrap(), Err(QueryError::Invalid(_))));
}
