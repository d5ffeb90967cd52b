//! Who may open `/connect`: unknown, reused and expired workers, a wrong subscriber, capacity,
//! and handshakes that fail must all free their slot.

mod common;

use std::time::Duration;

use common::{TestServer, close_of, first_message, next_text};

const HOST: &str = "vm-no-sensors";
const GREETING: &str = "connected to monitor, transmitting data...";

fn query(server: &TestServer, worker: &serde_json::Value) -> String {
    format!(
        "id={}&subscriber={}",
        worker["id"].as_str().unwrap(),
        server.account.user_id
    )
}

#[test]
fn worker_url_points_at_this_server() {
    let server = TestServer::start(HOST);
    let worker = server.worker(&server.bearer());
    let url = worker["url"].as_str().unwrap();
    let expected = format!("ws://{}/connect?{}", server.addr, query(&server, &worker));
    assert_eq!(url, expected);
    assert_eq!(worker["id"].as_str().unwrap().len(), 43);
}

#[test]
fn unknown_worker_id_is_closed_with_its_reason() {
    let server = TestServer::start(HOST);
    let mut ws = server.connect(&format!("id=nope&subscriber={}", server.account.user_id));
    assert_eq!(close_of(&mut ws).1, "Invalid worker id");
}

#[test]
fn a_worker_can_be_claimed_once() {
    let server = TestServer::start(HOST);
    let worker = server.worker(&server.bearer());
    let mut first = server.connect(&query(&server, &worker));
    assert_eq!(next_text(&mut first), GREETING);
    let mut second = server.connect(&query(&server, &worker));
    assert_eq!(close_of(&mut second).1, "Invalid worker id");
    // The first subscriber is untouched by the refused one.
    assert!(next_text(&mut first).starts_with("{\"cpu\":"));
}

// An unclaimed worker's expiry at 5 s is the hub's, checked with the fake clock in
// fixtures/transcripts/worker-claimed-at-4.9s.txt and worker-claimed-at-5.1s-refused.txt
// (this file used to repeat it with a 5.3 s sleep).

#[test]
fn a_subscriber_mismatch_is_closed_with_its_reason() {
    let server = TestServer::start(HOST);
    let worker = server.worker(&server.bearer());
    let other = "00000000-0000-4000-8000-000000000000";
    let mut ws = server.connect(&format!(
        "id={}&subscriber={other}",
        worker["id"].as_str().unwrap()
    ));
    assert_eq!(close_of(&mut ws).1, "Invalid subscriber");
}

#[test]
fn fifty_upgrades_without_an_id_leave_full_capacity() {
    let server = TestServer::start_with(HOST, |cfg| cfg.max_connections = 4);
    for _ in 0..50 {
        let mut ws = server.connect("");
        assert_eq!(close_of(&mut ws).1, "Invalid worker id");
    }
    let mut open: Vec<_> = (0..4).map(|_| server.subscribe()).collect();
    for ws in &mut open {
        assert_eq!(next_text(ws), GREETING);
    }
}

#[test]
fn capacity_reached_gives_the_capacity_message_and_frees_on_close() {
    let server = TestServer::start_with(HOST, |cfg| cfg.max_connections = 2);
    let mut a = server.subscribe();
    let mut b = server.subscribe();
    assert_eq!(next_text(&mut a), GREETING);
    assert_eq!(next_text(&mut b), GREETING);
    let mut c = server.subscribe();
    assert_eq!(
        close_of(&mut c).1,
        "Server is at full capacity. Please try again later."
    );
    a.close(None).unwrap();
    let _ = close_of(&mut a);
    // The server tells the hub before it drops the socket, and the hub reads its inbox in order:
    // once the TCP connection is closed, the next subscriber's requests come after the release.
    wait_for_tcp_close(&mut a);
    let mut d = server.subscribe();
    assert_eq!(
        first_message(&mut d).as_deref(),
        Ok(GREETING),
        "the slot freed by a closed subscriber was not reused"
    );
}

/// Reads the websocket's socket until the server closes it.
fn wait_for_tcp_close(ws: &mut common::Ws) {
    use std::io::Read;
    let tungstenite::stream::MaybeTlsStream::Plain(stream) = ws.get_mut() else {
        panic!("a plain test socket");
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("the server kept the closed websocket open: {e}"),
        }
    }
}
