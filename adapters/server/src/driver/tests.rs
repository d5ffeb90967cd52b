//! The hub's thread, its cell and the outputs it carries out.

use std::collections::HashMap;

use async_channel::Receiver;

use psmonitor_core::hub::ReqId;

use super::cell::{drain, still_wanted};
use super::*;

#[test]
fn an_answer_is_wanted_until_its_connection_drops_the_reply() {
    let mut replies = HashMap::new();
    let (reply, answer) = async_channel::bounded(1);
    replies.insert(ReqId(1), reply);
    let wanted = still_wanted(&replies, ReqId(1));
    assert!(wanted());
    drop(answer);
    assert!(!wanted(), "the client went away");
    assert!(!still_wanted(&replies, ReqId(2))(), "an unknown request");
}

#[test]
fn a_slow_reader_gets_only_the_latest_frame() {
    let (tx, rx) = outbox();
    for n in 0..5 {
        let _ = tx.force_send(ConnCmd::Frame(SharedFrame::text(&format!("frame {n}"))));
    }
    assert_eq!(rx.len(), 1);
    match rx.try_recv() {
        Ok(ConnCmd::Frame(frame)) => assert_eq!(frame.payload(), b"frame 4"),
        other => panic!("expected the latest frame, got {other:?}"),
    }
    assert!(rx.try_recv().is_err());
}

/// Issue 19: a verification that cannot be queued used to go back to the hub as a message
/// that a full hub queue dropped, hanging the login and holding its verification slot. Now
/// the driver tells the hub in the same drain: the login is answered 503 at once, and the
/// slot is free for the next one.
#[test]
fn a_login_the_verifier_pool_cannot_take_is_answered_503_at_once() {
    use psmonitor_core::auth::Argon2Params;
    let dir = tempfile::tempdir().unwrap();
    let config = crate::testing::test_config(dir.path());
    let account = crate::testing::create_test_account(dir.path(), "pw", Argon2Params::testing());
    // No one ever reads the hub's inbox: an answer sent through it would be lost.
    let (hub_tx, _hub_rx) = async_channel::bounded(1);
    let (touch, _touches) = std::sync::mpsc::channel();
    let observe = crate::observe::Observe::start(&config, touch, hub_tx);
    let effects = Effects::with_full_verifier(observe);
    let hub_config = crate::hub_config(&config);
    // More logins than slots: a leaked slot would leave the last ones waiting, unanswered.
    let logins = hub_config.verify_slots as u64 + 2;
    let mut hub = Hub::new(hub_config, account, [7; 32], now());
    let mut replies = HashMap::new();
    let mut outboxes = HashMap::new();
    for n in 1..=logins {
        let (reply, answer) = async_channel::bounded(1);
        replies.insert(ReqId(n), reply);
        let request = HttpRequest {
            method: "POST".into(),
            path: "/authenticate".into(),
            query: None,
            authorization: None,
            host: None,
            accept: None,
            content_type: Some("application/json".into()),
            origin: None,
            body: br#"{"username":"PSMonitor","password":"pw"}"#.to_vec(),
            peer: "127.0.0.1".parse().unwrap(),
            if_none_match: None,
            secure: false,
        };
        hub.handle_input(
            now(),
            Input::Request {
                req: ReqId(n),
                request,
            },
        );
        let _ = drain(&mut hub, &mut replies, &mut outboxes, &effects);
        let response = answer.try_recv().expect("answered in the same drain");
        assert_eq!(response.status, 503, "login {n}");
        assert!(
            response
                .headers
                .iter()
                .any(|(name, _)| *name == "Retry-After")
        );
    }
}

/// [`next`] until it says something other than [`Next::Woken`] (a park may return early).
fn next_event(inbox: &Receiver<HubMsg>, deadline: Option<Instant>, waker: &Waker) -> Next {
    loop {
        match next(inbox, deadline, waker) {
            Next::Woken => continue,
            event => return event,
        }
    }
}

/// The hub's thread parks until its deadline or a message: a message sent from another
/// thread while it is parked wakes it, a deadline that passes first says so, and so does a
/// closed inbox.
#[test]
fn the_hub_thread_waits_for_a_message_or_its_deadline() {
    let (tx, inbox) = async_channel::bounded::<HubMsg>(4);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let soon = Instant::now() + std::time::Duration::from_millis(20);
    assert!(matches!(next_event(&inbox, Some(soon), &waker), Next::Due));
    assert!(Instant::now() >= soon, "not before the deadline");
    let sender = thread::spawn(move || {
        thread::sleep(std::time::Duration::from_millis(50));
        tx.send_blocking(HubMsg::input(Input::Timeout)).unwrap();
        tx
    });
    let far = Instant::now() + std::time::Duration::from_secs(60);
    match next_event(&inbox, Some(far), &waker) {
        Next::Message(HubMsg::Input(input)) => assert!(matches!(*input, Input::Timeout)),
        other => panic!("expected the message, got {other:?}"),
    }
    assert!(Instant::now() < far);
    drop(sender.join().unwrap());
    assert!(matches!(next_event(&inbox, None, &waker), Next::Closed));
}

/// An unpark with no message (a request handled elsewhere moved the deadline) returns from
/// the wait at once, so the thread can read the new deadline instead of sleeping to the old.
#[test]
fn an_unpark_without_a_message_ends_the_wait() {
    let (_tx, inbox) = async_channel::bounded::<HubMsg>(4);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let far = Instant::now() + std::time::Duration::from_secs(60);
    thread::current().unpark();
    assert!(matches!(next(&inbox, Some(far), &waker), Next::Woken));
    assert!(Instant::now() < far);
}

/// A cell around a fresh hub (the test account), with effects that never block.
fn test_cell(dir: &std::path::Path, history: bool) -> HubCell {
    use psmonitor_core::auth::Argon2Params;
    let mut config = crate::testing::test_config(dir);
    config.history = history;
    let account = crate::testing::create_test_account(dir, "pw", Argon2Params::testing());
    let (hub_tx, _hub_rx) = async_channel::bounded(1);
    let (touch, _touches) = std::sync::mpsc::channel();
    let observe = crate::observe::Observe::start(&config, touch, hub_tx);
    let effects = Effects::with_full_verifier(observe);
    HubCell::new(
        Hub::new(crate::hub_config(&config), account, [7; 32], now()),
        effects,
    )
}

/// A request from `127.0.0.1` with no credentials.
fn anonymous(method: &str, path: &str) -> Box<HttpRequest> {
    Box::new(HttpRequest {
        method: method.into(),
        path: path.into(),
        query: None,
        authorization: None,
        host: None,
        accept: None,
        content_type: None,
        origin: None,
        body: Vec::new(),
        peer: "127.0.0.1".parse().unwrap(),
        if_none_match: None,
        secure: false,
    })
}

/// Issue 19's latency: a connection task that finds the hub free handles its request on its
/// own thread, answered before the call returns, with no hub thread running at all.
#[test]
fn a_request_to_a_free_hub_is_answered_on_the_callers_thread() {
    let dir = tempfile::tempdir().unwrap();
    let cell = test_cell(dir.path(), false);
    let (reply, answer) = async_channel::bounded(1);
    assert!(cell.try_request(anonymous("GET", "/system"), reply).is_ok());
    let response = answer
        .try_recv()
        .expect("answered before try_request returned");
    assert_eq!(response.status, 401, "no credentials: {response:?}");
}

/// While the hub is held (its thread fanning a tick out), a request is given back to go
/// through the inbox, never waited for; so is one after the shutdown.
#[test]
fn a_request_to_a_busy_or_stopped_hub_is_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let cell = test_cell(dir.path(), false);
    let guard = cell.lock();
    let (reply, answer) = async_channel::bounded(1);
    let (request, _reply) = cell
        .try_request(anonymous("GET", "/system"), reply)
        .expect_err("the hub is held");
    assert_eq!(request.path, "/system");
    assert!(answer.try_recv().is_err(), "nothing answered it");
    drop(guard);
    let mut guard = cell.lock();
    let driven = guard.as_mut().expect("the hub runs");
    assert!(
        driven.handle(Some(HubMsg::input(Input::Shutdown))),
        "that was the shutdown"
    );
    // What the hub's thread does after a shutdown.
    guard.take();
    drop(guard);
    let (reply, _answer) = async_channel::bounded(1);
    assert!(
        cell.try_request(anonymous("GET", "/system"), reply)
            .is_err(),
        "the hub has stopped"
    );
}

/// The hub queue preallocates `HUB_QUEUE` slots of this size: keep big payloads boxed.
#[test]
fn hub_messages_stay_small() {
    assert!(
        std::mem::size_of::<HubMsg>() <= 80,
        "{}",
        std::mem::size_of::<HubMsg>()
    );
}

/// A request handled on a connection's thread that brings the hub's deadline forward wakes the
/// hub's thread, which would otherwise sleep to the old deadline (or for ever, with none). Here
/// the hub has never run: its first sample, due at once, becomes its deadline with the request.
#[test]
fn a_request_that_brings_the_deadline_forward_wakes_the_hubs_thread() {
    let dir = tempfile::tempdir().unwrap();
    let cell = Arc::new(test_cell(dir.path(), true));
    let (ready, registered) = std::sync::mpsc::channel();
    let hub_thread = thread::spawn({
        let cell = cell.clone();
        move || {
            cell.set_thread();
            ready.send(()).unwrap();
            // An unpark that came before this park ends it at once, so there is no race.
            let started = Instant::now();
            thread::park_timeout(std::time::Duration::from_secs(30));
            started.elapsed()
        }
    });
    registered.recv().unwrap();
    let (reply, answer) = async_channel::bounded(1);
    assert!(cell.try_request(anonymous("GET", "/system"), reply).is_ok());
    assert!(answer.try_recv().is_ok(), "answered on this thread");
    let asleep = hub_thread.join().unwrap();
    assert!(
        asleep < std::time::Duration::from_secs(30),
        "the hub's thread slept to its timeout"
    );
}
