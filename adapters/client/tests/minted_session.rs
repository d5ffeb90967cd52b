//! A watch whose sessions are minted by the caller (a program sharing the server's store) streams
//! without a password; a mint that fails is retried like a lost connection.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use common::{TestServer, next_event};
use psmonitor_client::{ClientError, MintSession, Session, WatchEvent, WatchOptions, watch_minted};
use psmonitor_core::auth::issue_token;
use zeroize::Zeroizing;

#[test]
fn a_minted_session_streams_without_the_password() {
    let server = TestServer::start();
    let account = server.account.clone();
    let minted = Arc::new(AtomicUsize::new(0));
    let count = minted.clone();
    let mint: MintSession = Arc::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
        let token = issue_token(&account, SystemTime::now(), Duration::from_secs(60))
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Session {
            token: Zeroizing::new(token.as_str().to_owned()),
            user_id: account.user_id.clone(),
            renew_at: None,
        })
    });
    // A wrong password in the configuration: it is never sent.
    let w = watch_minted(
        server.client_config("not the password"),
        WatchOptions::default(),
        mint,
    );
    let mut frames = 0;
    while frames < 2 {
        match next_event(&w.events, Duration::from_secs(15)) {
            WatchEvent::Frame(_) => frames += 1,
            WatchEvent::Connected | WatchEvent::System(_) | WatchEvent::Network(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(minted.load(Ordering::SeqCst) >= 1);
}

#[test]
fn a_mint_that_fails_is_retried_not_fatal() {
    let server = TestServer::start();
    let mint: MintSession = Arc::new(|| Err(ClientError::Protocol("store unreadable".into())));
    let w = watch_minted(
        server.client_config("unused"),
        WatchOptions::default(),
        mint,
    );
    match next_event(&w.events, Duration::from_secs(15)) {
        WatchEvent::Disconnected { error, .. } => {
            assert!(error.to_string().contains("store unreadable"), "{error}")
        }
        other => panic!("expected Disconnected, got {other:?}"),
    }
}
