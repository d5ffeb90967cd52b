//! `HttpConnection` reuses its connection while the server keeps it open, and connects again
//! when the server says `Connection: close`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use psmonitor_client::{Endpoint, HttpConnection};

/// A fake server that answers every request with `{"n":K}`; returns its URL and how many
/// connections it accepted.
fn fake(close_each: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut answered = 0;
        for stream in listener.incoming().take(10) {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            while read_request_head(&mut reader) {
                answered += 1;
                let body = format!("{{\"n\":{answered}}}");
                let connection = if close_each {
                    "Connection: close\r\n"
                } else {
                    ""
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\n{connection}Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(reply.as_bytes()).is_err() || close_each {
                    break;
                }
            }
        }
    });
    (url, accepted)
}

/// Reads one request head (these requests have no body); false once the client has gone.
fn read_request_head(reader: &mut impl BufRead) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if line == "\r\n" {
            return true;
        }
    }
}

fn three_requests(url: &str) -> Vec<String> {
    three_requests_with(HttpConnection::new(Endpoint::parse(url).unwrap()))
}

fn three_requests_with(mut conn: HttpConnection) -> Vec<String> {
    smol::block_on(async {
        let mut bodies = Vec::new();
        for _ in 0..3 {
            let reply = conn.request("GET", "/system", None, None).await.unwrap();
            assert_eq!(reply.status, 200);
            bodies.push(String::from_utf8(reply.body).unwrap());
        }
        bodies
    })
}

#[test]
fn one_connection_carries_every_request_while_the_server_keeps_it() {
    let (url, accepted) = fake(false);
    assert_eq!(
        three_requests(&url),
        [r#"{"n":1}"#, r#"{"n":2}"#, r#"{"n":3}"#]
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn a_closing_server_gets_a_new_connection_per_request() {
    let (url, accepted) = fake(true);
    assert_eq!(
        three_requests(&url),
        [r#"{"n":1}"#, r#"{"n":2}"#, r#"{"n":3}"#]
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[test]
fn one_tls_connection_carries_every_request_too() {
    let (url, accepted) = fake(false);
    let backend = url.trim_start_matches("http://").parse().unwrap();
    let data = tempfile::tempdir().unwrap();
    let tls = psmonitor_tls::ServerTls::load(psmonitor_tls::CertSource::SelfSigned {
        data_dir: data.path().to_owned(),
        names: vec!["localhost".into()],
    })
    .unwrap();
    let trust = psmonitor_client::ClientTrust {
        fingerprint: Some(tls.fingerprint()),
        ..Default::default()
    };
    let front = psmonitor_tls::testing::spawn_forwarder(Arc::new(tls), backend);
    let ep = Endpoint::parse(&format!("https://localhost:{}", front.port())).unwrap();
    assert_eq!(
        three_requests_with(HttpConnection::with_trust(ep, &trust)),
        [r#"{"n":1}"#, r#"{"n":2}"#, r#"{"n":3}"#]
    );
    // The forwarder opens one backend connection per TLS connection.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
