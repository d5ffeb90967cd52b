//! The server reads client messages through a 128-byte buffer: larger client frames and pings
//! must still be read whole, answered where the protocol says so, and never break the stream.

mod common;

use common::{TestServer, next_text};
use tungstenite::Message;

const GREETING: &str = "connected to monitor, transmitting data...";

#[test]
fn client_frames_larger_than_the_read_buffer_leave_the_stream_intact() {
    let server = TestServer::start("vm-no-sensors");
    let mut ws = server.subscribe();
    assert_eq!(next_text(&mut ws), GREETING);
    // 4 KiB of text and a ping with a 125-byte payload (the most a control frame may carry).
    ws.send(Message::text("x".repeat(4096))).unwrap();
    let payload = vec![7u8; 125];
    ws.send(Message::Ping(payload.clone().into())).unwrap();
    let mut frames = 0;
    let mut ponged = false;
    // Bounded: a frame comes every 200 ms; the pong must come within a few of them.
    for _ in 0..20 {
        match ws.read().unwrap() {
            Message::Pong(data) => {
                assert_eq!(data.as_ref(), payload.as_slice());
                ponged = true;
            }
            Message::Text(text) => {
                assert!(text.starts_with("{\"cpu\":"), "{text}");
                frames += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
        if ponged && frames >= 2 {
            break;
        }
    }
    assert!(ponged, "no pong for the ping");
    assert!(frames >= 2, "the stream stopped after the client's frames");
}

/// The server's frames bypass tungstenite's writer (issue 23); its reply to a client's close
/// still goes out, and then the connection ends.
#[test]
fn a_client_close_is_answered_with_a_close() {
    use tungstenite::protocol::CloseFrame;
    use tungstenite::protocol::frame::coding::CloseCode;
    let server = TestServer::start("vm-no-sensors");
    let mut ws = server.subscribe();
    assert_eq!(next_text(&mut ws), GREETING);
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    }))
    .unwrap();
    // Frames already on their way may come first; bounded like the test above.
    let mut answered = None;
    for _ in 0..20 {
        match ws.read() {
            Ok(Message::Text(_)) => continue,
            Ok(Message::Close(frame)) => {
                answered = frame;
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(answered.map(|f| f.code), Some(CloseCode::Normal));
    assert!(matches!(
        ws.read(),
        Err(tungstenite::Error::ConnectionClosed)
    ));
}
