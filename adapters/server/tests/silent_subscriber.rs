//! Issue 20, item 1 on the real binary and a real socket: a websocket subscriber that reads
//! nothing (so never answers the server's ping) is closed with 1008 after the silence limit. The
//! default 30 s and the timing itself are covered with the fake clock in
//! `core/src/http1/liveness.rs`; this proves the binary does it, with a silence limit of 4 s so
//! that the test does not wait 30 s.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::agent;
use common::binary::{login, psmonitor, serve_cmd};

const PASSWORD: &str = "silent subscriber owner";
/// The server's limit for a subscriber that reads nothing, and some room for a loaded machine.
const SILENT_LIMIT: Duration = Duration::from_secs(4);
const ROOM: Duration = Duration::from_secs(3);

/// The websocket frames in `bytes` (server frames are not masked): (opcode, payload).
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let (len, head) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
            127 if bytes.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&bytes[2..10]);
                (usize::try_from(u64::from_be_bytes(n)).unwrap(), 10)
            }
            126 | 127 => break,
            n => (usize::from(n), 2),
        };
        if bytes.len() < head + len {
            break;
        }
        out.push((opcode, bytes[head..head + len].to_vec()));
        bytes = &bytes[head + len..];
    }
    out
}

#[test]
fn a_subscriber_that_reads_nothing_is_closed_with_1008_after_the_silence_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = psmonitor(dir.path());
    cmd.env(
        "PSMONITOR_SILENCE_LIMIT",
        format!("{}s", SILENT_LIMIT.as_secs()),
    );
    let served = serve_cmd(cmd, Some(PASSWORD));
    let (status, body) = login(&served.addr, PASSWORD);
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();
    let user = body["user_id"].as_str().unwrap();
    let worker: serde_json::Value = agent()
        .post(format!("http://{}/worker", served.addr))
        .header("Authorization", &format!("Bearer {token}"))
        .send_empty()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let id = worker["id"].as_str().unwrap();

    let mut stream = TcpStream::connect(&served.addr).unwrap();
    let upgrade = format!(
        "GET /connect?id={id}&subscriber={user} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        served.addr
    );
    stream.write_all(upgrade.as_bytes()).unwrap();
    let opened = Instant::now();

    // Reading nothing (no pong either) for longer than the limit is the behaviour under test.
    std::thread::sleep(SILENT_LIMIT + ROOM);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&chunk[..n]),
            Err(e) => panic!(
                "the server kept the silent subscriber open {:?} after it connected: {e}",
                opened.elapsed()
            ),
        }
    }
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 101"), "{text:.200}");
    let head_end = text.find("\r\n\r\n").unwrap() + 4;
    let frames = frames(&all[head_end..]);
    assert!(
        frames.iter().any(|(op, _)| *op == 0x1),
        "frames were streamed before the close"
    );
    assert!(
        frames.iter().any(|(op, _)| *op == 0x9),
        "the server pinged before giving up"
    );
    let (_, close) = frames
        .iter()
        .find(|(op, _)| *op == 0x8)
        .expect("a close frame");
    assert_eq!(u16::from_be_bytes([close[0], close[1]]), 1008, "{close:?}");
}
