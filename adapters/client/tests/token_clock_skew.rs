//! The client renews its token by the token's own lifetime (`exp - iat`), not by comparing `exp`
//! with the local clock: against a fake server whose clock is an hour off, it neither logs in
//! before every call (server behind) nor sends tokens the server already considers expired
//! (server ahead).

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use common::{golden, read_head};
use psmonitor_client::{Client, ClientConfig};
use zeroize::Zeroizing;

/// What the fake server saw.
#[derive(Default)]
struct Seen {
    logins: AtomicUsize,
    refused: AtomicUsize,
}

/// A fake server whose clock is `skew_secs` off the local one; tokens live `ttl_secs` by its
/// clock, and a token past its `exp` by its clock gets a 401.
fn skewed_server(skew_secs: i64, ttl_secs: u64) -> (ClientConfig, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let counts = seen.clone();
    let system = golden(common::HOST, "system.json").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            answer(stream, skew_secs, ttl_secs, &counts, &system);
        }
    });
    let config = ClientConfig {
        server: format!("http://{addr}"),
        username: "PSMonitor".into(),
        password: Zeroizing::new("pw".into()),
        trust: Default::default(),
    };
    (config, seen)
}

/// The fake server's clock, in Unix seconds.
fn server_now(skew_secs: i64) -> u64 {
    let local = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    local.as_secs().checked_add_signed(skew_secs).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn answer(mut stream: TcpStream, skew_secs: i64, ttl_secs: u64, seen: &Seen, system: &str) {
    let head = read_head(&mut stream);
    let now = server_now(skew_secs);
    let (status, body) = if head.starts_with("POST /authenticate") {
        seen.logins.fetch_add(1, Ordering::SeqCst);
        let claims = format!(
            r#"{{"sub":"u","iat":{now},"exp":{},"type":"access"}}"#,
            now + ttl_secs
        );
        let token = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64(claims.as_bytes()),
            b64(b"not checked")
        );
        (200, format!(r#"{{"token":"{token}","user_id":"u"}}"#))
    } else if head.starts_with("GET /system") {
        let exp = head
            .lines()
            .find_map(|l| l.strip_prefix("Authorization: Bearer "))
            .and_then(|token| token.trim().split('.').nth(1))
            .and_then(|payload| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(payload)
                    .ok()
            })
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
            .and_then(|claims| claims["exp"].as_u64());
        match exp {
            Some(exp) if exp > now => (200, system.to_owned()),
            _ => {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                (401, r#"{"error":"token expired"}"#.to_owned())
            }
        }
    } else {
        (404, String::new())
    };
    let reply = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

#[test]
fn a_server_clock_behind_does_not_cause_a_login_per_call() {
    // Tokens live 10 minutes, but their exp is 50 minutes in the local past.
    let (config, seen) = skewed_server(-3600, 600);
    let mut client = Client::new(config).unwrap();
    smol::block_on(async {
        for _ in 0..5 {
            client.system().await.expect("system");
        }
    });
    assert_eq!(
        seen.logins.load(Ordering::SeqCst),
        1,
        "one token serves all"
    );
    assert_eq!(seen.refused.load(Ordering::SeqCst), 0);
}

#[test]
fn a_server_clock_ahead_gets_no_expired_token() {
    // Tokens live 3 s by the server's clock, which runs an hour ahead: exp looks an hour away
    // locally, but the server refuses the token 3 s after issuing it.
    let (config, seen) = skewed_server(3600, 3);
    let mut client = Client::new(config).unwrap();
    smol::block_on(async {
        client.system().await.expect("system");
        smol::Timer::after(Duration::from_millis(3200)).await;
        client.system().await.expect("system after the lifetime");
    });
    assert_eq!(
        seen.refused.load(Ordering::SeqCst),
        0,
        "the client sent a token older than its lifetime"
    );
    assert_eq!(seen.logins.load(Ordering::SeqCst), 2, "renewed once");
}
