//! Pending workers are capped per credential in all, not only per address: one read token used
//! from 256 addresses (127.0.6.x and up stand in for other hosts) cannot fill the 4,096
//! pending-worker slots, and the owner still gets `POST /worker` (issue 20 item 6). Real binary.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use common::binary::{BIN, isolated, login, serve};
use common::{PASSWORD, agent, connect_from, statuses};

/// Per address (the server's default) and per credential (four times that).
const PER_ADDRESS: usize = 16;
const PER_CREDENTIAL: usize = 4 * PER_ADDRESS;

/// `count` pipelined `POST /worker` with `token` on one connection from `from`; the statuses.
fn workers_from(from: IpAddr, to: SocketAddr, token: &str, count: usize) -> Vec<u16> {
    let mut stream = connect_from(from, to).unwrap();
    let one = format!(
        "POST /worker HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n"
    );
    let mut all = one.repeat(count - 1);
    all.push_str(&one.replace(
        "Content-Length: 0",
        "Connection: close\r\nContent-Length: 0",
    ));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(all.as_bytes()).unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    statuses(&text)
}

#[test]
fn one_token_from_256_addresses_cannot_take_every_worker_slot() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), Some(PASSWORD));
    let addr: SocketAddr = served.addr.parse().unwrap();
    let out = isolated(std::process::Command::new(BIN), dir.path())
        .args(["token", "create", "shared-script", "--scope", "read"])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    // The running server picks the new token up within 2 s.
    let began = Instant::now();
    loop {
        let status = agent()
            .get(format!("http://{addr}/system"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "token refused: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // 256 addresses, each asking for its full per-address share: 4,096 in all, the server's
    // whole table before the cap per credential.
    let threads: Vec<_> = (0..256u32)
        .map(|n| {
            let from = IpAddr::from([127, 0, 6 + (n / 250) as u8, 1 + (n % 250) as u8]);
            let token = token.clone();
            std::thread::spawn(move || workers_from(from, addr, &token, PER_ADDRESS))
        })
        .collect();
    let answers: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let created = answers.iter().filter(|&&s| s == 200).count();
    let refused = answers.iter().filter(|&&s| s == 429).count();
    eprintln!(
        "{} answers: {created} created, {refused} refused",
        answers.len()
    );
    assert_eq!(answers.len(), 256 * PER_ADDRESS);
    assert_eq!(created, PER_CREDENTIAL, "one credential's share in all");
    assert_eq!(refused, answers.len() - PER_CREDENTIAL);
    // The owner's own login still gets workers, its full per-address share.
    let (status, body) = login(&served.addr, PASSWORD);
    assert_eq!(status, 200, "{body}");
    let jwt = body["token"].as_str().unwrap();
    let owner = workers_from("127.0.0.1".parse().unwrap(), addr, jwt, PER_ADDRESS);
    assert_eq!(owner, vec![200; PER_ADDRESS]);
}
