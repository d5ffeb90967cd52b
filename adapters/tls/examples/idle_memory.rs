//! Measures what one idle TLS connection costs a server: this process accepts N connections with
//! a self-signed [`ServerTls`] and holds them; a child process (this program with `client`)
//! opens them, pinned, and keeps them idle. Prints the server's RSS growth per connection, for
//! TLS and, as the baseline, for plain TCP.
//!
//! `cargo run -p psmonitor-tls --example idle_memory -- 2000`

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use psmonitor_tls::{CertSource, ClientTrust, ServerTls};
use smol::net::{TcpListener, TcpStream};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("client") {
        return client(&args[2], args[3].parse().unwrap(), args.get(4));
    }
    let n: usize = args.get(1).map_or(1000, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let tls = Arc::new(
        ServerTls::load(CertSource::SelfSigned {
            data_dir: dir.path().to_owned(),
            names: vec!["localhost".into()],
        })
        .unwrap(),
    );
    let fp = tls.fingerprint().to_string();
    let plain = measure(n, None, &[]);
    let with_tls = measure(n, Some(tls), &[fp]);
    println!(
        "{n} idle connections: plain {:.1} KiB each, TLS {:.1} KiB each (TLS state alone {:.1} KiB)",
        plain,
        with_tls,
        with_tls - plain
    );
}

/// Server RSS growth per connection, in KiB, once `n` connections are open and idle.
fn measure(n: usize, tls: Option<Arc<ServerTls>>, extra: &[String]) -> f64 {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("client")
            .arg(addr.to_string())
            .arg(n.to_string())
            .args(extra)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let before = rss_kib();
        let mut held = Vec::with_capacity(n);
        let mut held_plain = Vec::with_capacity(n);
        for _ in 0..n {
            let (stream, _) = listener.accept().await.unwrap();
            match &tls {
                Some(tls) => {
                    let mut s = tls.acceptor().accept(stream).await.unwrap();
                    // One byte each way, as a real session would after the handshake.
                    let mut b = [0u8; 1];
                    s.read_exact(&mut b).await.unwrap();
                    s.write_all(&b).await.unwrap();
                    s.flush().await.unwrap();
                    held.push(s);
                }
                None => {
                    let mut s = stream;
                    let mut b = [0u8; 1];
                    s.read_exact(&mut b).await.unwrap();
                    s.write_all(&b).await.unwrap();
                    held_plain.push(s);
                }
            }
        }
        let after = rss_kib();
        drop(child.stdin.take());
        let _ = child.wait();
        (after - before) as f64 / n as f64
    })
}

/// Opens `n` connections to `addr`, pinned to `fp` when given, and waits for stdin to close.
fn client(addr: &str, n: usize, fp: Option<&String>) {
    let addr: SocketAddr = addr.parse().unwrap();
    let trust = fp.map(|fp| ClientTrust {
        fingerprint: Some(fp.parse().unwrap()),
        ..ClientTrust::default()
    });
    let tls = trust.map(|t| t.client("localhost", addr.port()).unwrap());
    smol::block_on(async {
        let mut plain = Vec::new();
        let mut secure = Vec::new();
        for _ in 0..n {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let mut b = [7u8; 1];
            match &tls {
                Some(tls) => {
                    let mut s = tls.connect(tcp).await.unwrap();
                    s.write_all(&b).await.unwrap();
                    s.flush().await.unwrap();
                    s.read_exact(&mut b).await.unwrap();
                    secure.push(s);
                }
                None => {
                    let mut s = tcp;
                    s.write_all(&b).await.unwrap();
                    s.read_exact(&mut b).await.unwrap();
                    plain.push(s);
                }
            }
        }
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    });
}
