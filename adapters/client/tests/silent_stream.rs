//! A server that greets and then goes silent, while `/network` keeps answering: the watch must
//! notice the silence within its idle timeout and reconnect, even though the network poll (every
//! 50 ms here, every second in the GTK app) keeps waking it up in between.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_tungstenite::tungstenite::{Message, accept};
use common::{golden, read_head, until};
use psmonitor_client::{ClientConfig, ClientError, WatchEvent, WatchOptions, watch};
use zeroize::Zeroizing;

const GREETING: &str = "connected to monitor, transmitting data...";

/// A fake server: logins, workers, `/system` and `/network` answer; every `/connect` greets and
/// then sends nothing. Returns the client config and how many websockets it accepted.
fn silent_server() -> (ClientConfig, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sockets = Arc::new(AtomicUsize::new(0));
    let counter = sockets.clone();
    let system = golden(common::HOST, "system.json").to_string();
    let network = golden(common::HOST, "network.json").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (counter, system, network) = (counter.clone(), system.clone(), network.clone());
            std::thread::spawn(move || answer(stream, &counter, &system, &network));
        }
    });
    let config = ClientConfig {
        server: format!("http://{addr}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new("pw".into()),
        trust: Default::default(),
    };
    (config, sockets)
}

fn answer(mut stream: TcpStream, sockets: &AtomicUsize, system: &str, network: &str) {
    let mut peek = [0u8; 16];
    let n = stream.peek(&mut peek).unwrap_or(0);
    if peek[..n].starts_with(b"GET /connect") {
        let Ok(mut socket) = accept(stream) else {
            return;
        };
        sockets.fetch_add(1, Ordering::SeqCst);
        let _ = socket.send(Message::text(GREETING));
        // Silent from now on, until the client goes away.
        while socket.read().is_ok() {}
        return;
    }
    let head = read_head(&mut stream);
    let body = if head.starts_with("POST /authenticate") {
        r#"{"token":"a.b.c","user_id":"user-1"}"#
    } else if head.starts_with("POST /worker") {
        r#"{"id":"w1","url":"ws://x/connect?id=w1"}"#
    } else if head.starts_with("GET /system") {
        system
    } else if head.starts_with("GET /network") {
        network
    } else {
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let reply = format!(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

#[test]
fn a_silent_stream_is_noticed_while_the_network_is_polled() {
    let (config, sockets) = silent_server();
    let options = WatchOptions {
        network_every: Some(Duration::from_millis(50)),
        max_backoff: Duration::from_millis(200),
        idle_timeout: Duration::from_secs(1),
        ..WatchOptions::default()
    };
    let w = watch(config, options);
    // Generous limits: only an idle deadline that never fires makes them run out.
    let wait = Duration::from_secs(10);
    until(&w.events, wait, |e| matches!(e, WatchEvent::Connected));
    let (stalled, seen) = until(&w.events, wait, |e| {
        matches!(e, WatchEvent::Disconnected { .. })
    });
    let WatchEvent::Disconnected { error, .. } = stalled else {
        unreachable!()
    };
    assert!(
        matches!(error, ClientError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(
        seen.iter().any(|e| matches!(e, WatchEvent::Network(_))),
        "the network poll ran while the stream was silent: {seen:?}"
    );
    until(&w.events, wait, |e| matches!(e, WatchEvent::Connected));
    assert!(sockets.load(Ordering::SeqCst) >= 2, "no second websocket");
    w.stop();
}
