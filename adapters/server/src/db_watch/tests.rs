//! The database watcher on a real `psmonitor.db` changed by a second connection, as
//! `psmonitor credentials reset` and `psmonitor token revoke` change it; and its report schedule.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use async_channel::Receiver;
use futures_lite::FutureExt;
use psmonitor_core::auth::api_token::{ApiToken, TokenScope};
use psmonitor_core::auth::{
    Account, AccountEntropy, Argon2Params, JwtSecret, Password, create_account,
};
use psmonitor_store::Store;

use super::{REPORT_FIRST, REPORT_MAX, Report, Reports, Watcher, start};
use crate::driver::HubMsg;
use psmonitor_core::hub::Input;

fn make_account(dir: &std::path::Path) -> Account {
    let entropy = AccountEntropy {
        user_id: [7; 16],
        password: [9; 32],
        salt: [3; 16],
        jwt_secret: [5; 32],
    };
    let created = create_account(
        &entropy,
        Some(Password::new("pw".into())),
        Argon2Params::testing(),
    )
    .unwrap();
    Store::open(dir)
        .unwrap()
        .create_account(&created.account)
        .unwrap();
    created.account
}

/// The next message the watcher sends, waiting at most `limit`.
fn next_within(inbox: &Receiver<HubMsg>, limit: Duration) -> Option<HubMsg> {
    futures_lite::future::block_on(async { inbox.recv().await.ok() }.or(async {
        async_io::Timer::after(limit).await;
        None
    }))
}

/// The next input the watcher sends the hub within 2 s, if any.
fn next_input(inbox: &Receiver<HubMsg>) -> Option<Input> {
    match next_within(inbox, Duration::from_secs(2))? {
        HubMsg::Input(input) => Some(*input),
        other => panic!("expected an input for the hub, got {other:?}"),
    }
}

#[test]
fn one_watcher_applies_a_revocation_and_a_reset_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let account = make_account(dir.path());
    let mut other = Store::open(dir.path()).unwrap();
    let tokens: Vec<ApiToken> = ["grafana", "prometheus"]
        .iter()
        .enumerate()
        .map(|(i, name)| ApiToken {
            name: (*name).to_owned(),
            scope: TokenScope::Read,
            hash: [i as u8; 32],
        })
        .collect();
    for token in &tokens {
        other.create_token(token, 0).unwrap();
    }
    let (hub, inbox) = async_channel::bounded(16);
    let watch = start(dir.path(), account.clone(), tokens.clone(), hub).unwrap();
    // Nothing changed since the hub was made: nothing to tell it.
    assert!(next_within(&inbox, Duration::from_millis(700)).is_none());

    let revoked = Instant::now();
    other.revoke_token("grafana").unwrap();
    match next_input(&inbox) {
        Some(Input::TokensChanged(now)) => assert_eq!(now, tokens[1..].to_vec()),
        other => panic!("expected the tokens without grafana, got {other:?}"),
    }
    assert!(revoked.elapsed() < Duration::from_secs(2));

    let reset = Instant::now();
    let secret = JwtSecret([6; 32]);
    other
        .reset_credentials(&account.user_id, "$argon2id$new", &secret, false)
        .unwrap();
    match next_input(&inbox) {
        Some(Input::AccountChanged(changed)) => {
            assert_eq!(changed.jwt_secret, secret);
            assert_eq!(changed.password_hash, "$argon2id$new");
        }
        other => panic!("expected the reset account, got {other:?}"),
    }
    assert!(reset.elapsed() < Duration::from_secs(2));
    // The reset kept the token: no token message follows.
    assert!(next_within(&inbox, Duration::from_millis(700)).is_none());

    // Token uses are recorded on the watcher's connection.
    watch
        .toucher()
        .send(("prometheus".into(), 1_700_000_000))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let used = other.tokens().unwrap()[0].last_used;
        if used == Some(1_700_000_000) {
            break;
        }
        assert!(Instant::now() < deadline, "the use was never recorded");
        std::thread::yield_now();
    }
}

/// A watcher on `dir` that believes the hub holds `account` and `tokens`, and the hub's inbox.
fn watcher(dir: &Path, account: Account, tokens: Vec<ApiToken>) -> (Watcher, Receiver<HubMsg>) {
    let (hub, inbox) = async_channel::bounded(16);
    let watcher = Watcher::new(dir, account, tokens, hub);
    (watcher, inbox)
}

/// `path`'s size and modification time.
fn size_and_mtime(path: &Path) -> (u64, SystemTime) {
    let meta = std::fs::metadata(path).unwrap();
    (meta.len(), meta.modified().unwrap())
}

/// CI once saw a token created by another process stay unknown past 10 s: the watcher then
/// asked SQLite only when the files' size or mtime had moved, and a look between a commit's
/// write of `-wal` and its publication in `-shm` saw final files with the old version. Here a
/// commit leaves both files' size and mtime as they were (it rewrites a restarted WAL from its
/// start, and the times are put back); the next look must still apply it.
#[test]
fn a_commit_that_leaves_the_files_size_and_mtime_unchanged_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let account = make_account(dir.path());
    let mut other = Store::open(dir.path()).unwrap();
    let token = ApiToken {
        name: "prometheus".into(),
        scope: TokenScope::Metrics,
        hash: [4; 32],
    };
    other.create_token(&token, 0).unwrap();
    let (mut watcher, inbox) = watcher(dir.path(), account, vec![token]);
    assert!(watcher.check().unwrap());
    assert!(inbox.try_recv().is_err(), "nothing changed yet");

    // Every frame into the main file: the next commit writes the WAL again from its start.
    let main = dir.path().join(psmonitor_store::DB_FILE_NAME);
    let wal = dir
        .path()
        .join(format!("{}-wal", psmonitor_store::DB_FILE_NAME));
    let raw = rusqlite::Connection::open(&main).unwrap();
    let (busy, ..): (i64, i64, i64) = raw
        .query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(busy, 0, "the checkpoint ran to the end");
    assert!(watcher.check().unwrap());
    assert!(inbox.try_recv().is_err(), "a checkpoint changes nothing");

    let (main_before, wal_before) = (size_and_mtime(&main), size_and_mtime(&wal));
    other.revoke_token("prometheus").unwrap();
    for (path, (_, mtime)) in [(&main, main_before), (&wal, wal_before)] {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_modified(mtime).unwrap();
    }
    assert_eq!(size_and_mtime(&main), main_before);
    assert_eq!(
        size_and_mtime(&wal),
        wal_before,
        "the commit fit the old WAL"
    );

    assert!(watcher.check().unwrap());
    match inbox.try_recv() {
        Ok(HubMsg::Input(input)) => match *input {
            Input::TokensChanged(now) => assert!(now.is_empty(), "{now:?}"),
            other => panic!("expected the tokens without prometheus, got {other:?}"),
        },
        other => panic!("the revocation was not applied: {other:?}"),
    }
}

#[test]
fn a_lasting_failure_is_reported_once_then_less_and_less_often() {
    let t0 = Instant::now();
    let mut reports = Reports::default();
    assert_eq!(reports.recovered(t0), None, "nothing failed yet");
    assert_eq!(reports.failed(t0), Some(Report::First));
    // Failing every 500 ms (twice as often as the watcher polls): silent until the first
    // interval has passed.
    let mut at = t0;
    let mut logged = Vec::new();
    for _ in 0..(2 * 3600 * 2) {
        at += Duration::from_millis(500);
        if let Some(report) = reports.failed(at) {
            logged.push((at - t0, report));
        }
    }
    let times: Vec<u64> = logged.iter().map(|(d, _)| d.as_secs()).collect();
    assert_eq!(times[..4], [10, 30, 70, 150], "doubling waits: {times:?}");
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|&g| g <= REPORT_MAX.as_secs()), "{gaps:?}");
    assert!(
        logged.len() < 20,
        "two hours of failures logged {} times",
        logged.len()
    );
    assert_eq!(
        logged[0].1,
        Report::Again {
            since: REPORT_FIRST,
            failures: 21
        }
    );
    assert_eq!(reports.recovered(at), Some(at - t0));
    // A new failure after the recovery is reported at once again.
    assert_eq!(reports.failed(at), Some(Report::First));
}
