//! Websocket upgrades only on GET with a valid key, and protocol violations closed with the
//! right code. Raw bytes on real sockets: a conforming client library cannot break the protocol.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{TestServer, body_json, raw_exchange, statuses};

const HOST: &str = "vm-no-sensors";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade_request(method: &str, query: &str, key: &str) -> String {
    format!(
        "{method} /connect?{query} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    )
}

/// A paired websocket on a raw socket, its greeting already read.
fn paired(server: &TestServer) -> TcpStream {
    let worker = server.worker(&server.bearer());
    let query = format!(
        "id={}&subscriber={}",
        worker["id"].as_str().unwrap(),
        server.account.user_id
    );
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(upgrade_request("GET", &query, KEY).as_bytes())
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let (opcode, payload) = read_frame(&mut stream);
    assert_eq!(
        (opcode, payload.as_slice()),
        (1, &b"connected to monitor, transmitting data..."[..])
    );
    stream
}

/// Reads one server frame (servers never mask): opcode and payload.
fn read_frame(stream: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).unwrap();
    let len = match head[1] & 0x7f {
        126 => {
            let mut ext = [0u8; 2];
            stream.read_exact(&mut ext).unwrap();
            u64::from(u16::from_be_bytes(ext))
        }
        127 => {
            let mut ext = [0u8; 8];
            stream.read_exact(&mut ext).unwrap();
            u64::from_be_bytes(ext)
        }
        n => u64::from(n),
    };
    let mut payload = vec![0u8; len as usize];
    stream.read_exact(&mut payload).unwrap();
    (head[0] & 0x0f, payload)
}

/// Reads frames until the close frame; returns its code.
fn close_code(stream: &mut TcpStream) -> u16 {
    loop {
        let (opcode, payload) = read_frame(stream);
        if opcode == 8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

/// A client frame: FIN, `opcode`, masked with `mask` when given.
fn frame(opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n < 65536 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(m) => {
            out.extend_from_slice(&m);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

#[test]
fn upgrades_need_get_and_a_sixteen_byte_key() {
    let server = TestServer::start(HOST);
    let (text, _) = raw_exchange(server.addr, upgrade_request("POST", "id=x", KEY).as_bytes());
    assert_eq!(statuses(&text), [405], "{text}");
    for key in ["x", "", "dGhlIHNhbXBsZQ=="] {
        let (text, closed) =
            raw_exchange(server.addr, upgrade_request("GET", "id=x", key).as_bytes());
        assert_eq!(statuses(&text), [400], "key {key:?}: {text}");
        assert!(
            body_json(&text)["error"]
                .as_str()
                .unwrap()
                .contains("sec-websocket-key")
        );
        assert!(closed);
    }
}

#[test]
fn protocol_violations_close_with_their_codes() {
    let server = TestServer::start(HOST);
    let mask = Some([1, 2, 3, 4]);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("unmasked frame", frame(1, b"hello", None), 1002),
        ("reserved opcode", frame(3, b"x", mask), 1002),
        ("invalid utf-8", frame(1, b"\xff\xfe\xfd", mask), 1007),
        (
            "oversized frame",
            frame(1, &vec![b'a'; 40 * 1024], mask),
            1009,
        ),
    ];
    for (what, bytes, code) in cases {
        let mut stream = paired(&server);
        stream.write_all(&bytes).unwrap();
        assert_eq!(close_code(&mut stream), code, "{what}");
    }
    // The server still serves others afterwards.
    let mut stream = paired(&server);
    stream
        .write_all(&frame(8, &1000u16.to_be_bytes(), mask))
        .unwrap();
    assert_eq!(close_code(&mut stream), 1000);
}

#[test]
fn one_token_holder_cannot_take_every_pending_worker_slot() {
    let server = TestServer::start(HOST);
    let bearer = server.bearer();
    let hoarder: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let request = format!(
        "POST /worker HTTP/1.1\r\nHost: a\r\nAuthorization: {bearer}\r\nContent-Length: 0\r\n\r\n"
    );
    let mut stream = common::connect_from(hoarder, server.addr).unwrap();
    stream.write_all(request.repeat(17).as_bytes()).unwrap();
    stream
        .write_all(b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let mut want = vec![200; 16];
    want.extend([429, 404]);
    assert_eq!(statuses(&text), want);
    // Another client, with the same account, still gets its worker.
    assert!(server.worker(&bearer)["id"].is_string());
}
