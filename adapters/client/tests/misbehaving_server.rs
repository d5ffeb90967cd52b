//! Against a scripted fake server: odd HTTP and garbage frames become clear errors, never panics.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::{Message, WebSocket, accept};
use psmonitor_client::{Client, ClientConfig, ClientError};
use zeroize::Zeroizing;

const LOGIN_OK: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
    f\r\n{\"token\":\"a.b.c\r\n15\r\n\",\"user_id\":\"user-1\"}\r\n0\r\n\r\n";
const WORKER_OK: &str =
    "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"id\":\"w1\",\"url\":\"ws://x/connect?id=w1\"}";
const GREETING: &str = "connected to monitor, transmitting data...";

/// A fake server answering `/authenticate` with `login` and `/connect` with `ws`.
fn fake(login: &'static str, ws: fn(&mut WebSocket<TcpStream>)) -> ClientConfig {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut peek = [0u8; 16];
            let n = stream.peek(&mut peek).unwrap_or(0);
            if peek[..n].starts_with(b"GET /connect") {
                if let Ok(mut socket) = accept(stream) {
                    ws(&mut socket);
                }
                continue;
            }
            let head = common::read_head(&mut stream);
            let reply = if head.starts_with("POST /authenticate") {
                login
            } else if head.starts_with("POST /worker") {
                WORKER_OK
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    ClientConfig {
        server: format!("http://{addr}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new("pw".into()),
        trust: Default::default(),
    }
}

fn greet_then(socket: &mut WebSocket<TcpStream>, msg: Message) {
    let _ = socket.send(Message::text(GREETING));
    let _ = socket.send(msg);
    let _ = socket.flush();
    // Wait for the client to go away.
    while socket.read().is_ok() {}
}

fn no_ws(_: &mut WebSocket<TcpStream>) {}

fn next_frame_error(config: ClientConfig) -> ClientError {
    let mut client = Client::new(config).unwrap();
    smol::block_on(async {
        let mut sub = client.subscribe().await.unwrap();
        sub.next().await.unwrap_err()
    })
}

#[test]
fn a_garbage_frame_is_an_invalid_body() {
    let config = fake(LOGIN_OK, |ws| {
        greet_then(ws, Message::text("{\"cpu\": garbage"))
    });
    let err = next_frame_error(config);
    assert!(
        matches!(&err, ClientError::InvalidBody { what, .. } if what == "stream frame"),
        "{err:?}"
    );
}

#[test]
fn a_close_with_a_reason_names_it() {
    let config = fake(LOGIN_OK, |ws| {
        let frame = CloseFrame {
            code: CloseCode::Again,
            reason: "Server is at full capacity. Please try again later.".into(),
        };
        greet_then(ws, Message::Close(Some(frame)));
    });
    let err = next_frame_error(config);
    assert!(
        matches!(&err, ClientError::StreamClosed { code: Some(1013), reason } if reason.contains("full capacity")),
        "{err:?}"
    );
}

#[test]
fn a_wrong_greeting_is_named() {
    let config = fake(LOGIN_OK, |ws| {
        let _ = ws.send(Message::text("hello"));
        while ws.read().is_ok() {}
    });
    let mut client = Client::new(config).unwrap();
    let err = smol::block_on(client.subscribe()).unwrap_err();
    assert!(
        matches!(&err, ClientError::UnexpectedGreeting(text) if text == "hello"),
        "{err:?}"
    );
}

#[test]
fn a_429_carries_its_retry_after() {
    let login = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 42\r\n\r\n{\"error\":\"too many failed login attempts\"}";
    let mut client = Client::new(fake(login, no_ws)).unwrap();
    let err = smol::block_on(client.system()).unwrap_err();
    match err {
        ClientError::RateLimited { retry_after } => assert_eq!(retry_after, Duration::from_secs(7)),
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[test]
fn a_busy_503_is_not_bad_credentials_and_is_retried() {
    let login = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 65\r\n\r\n{\"error\":\"server busy verifying other logins: try again shortly\"}";
    let mut client = Client::new(fake(login, no_ws)).unwrap();
    let err = smol::block_on(client.system()).unwrap_err();
    assert_eq!(
        err,
        ClientError::Busy {
            retry_after: Duration::from_secs(2)
        }
    );
    assert!(!err.is_fatal(), "a busy server is retried, not given up on");
    assert!(err.to_string().contains("busy"), "{err}");
}

#[test]
fn odd_http_is_a_typed_error() {
    type Check = fn(&ClientError) -> bool;
    let cases: [(&'static str, Check); 5] = [
        (
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 11\r\n\r\n<h1>oops</h1>",
            |e| matches!(e, ClientError::Status { status: 500, what, .. } if what == "/authenticate"),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!",
            |e| matches!(e, ClientError::InvalidBody { what, .. } if what == "body from /authenticate"),
        ),
        ("hello there\r\n\r\n", |e| {
            matches!(e, ClientError::Protocol(_))
        }),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{\"token\":",
            |e| matches!(e, ClientError::Protocol(_)),
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            |e| matches!(e, ClientError::Protocol(_)),
        ),
    ];
    for (login, check) in cases {
        let mut client = Client::new(fake(login, no_ws)).unwrap();
        let err = smol::block_on(client.network()).unwrap_err();
        assert!(check(&err), "{login:?}: {err:?}");
        assert!(!err.is_fatal(), "{login:?}: {err:?}");
    }
}
