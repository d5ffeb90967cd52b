//! Issue 20, item 1 on the real binary: a client that pipelines requests and never reads its
//! answers is closed once an answer has not drained for `--header-timeout`, and the owner still
//! gets answers meanwhile. (The state machine's side is `fixtures/http1/unread-answer-closes.txt`.)

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::binary::{get_system, login, psmonitor, serve_cmd};

const PASSWORD: &str = "write deadline owner";
/// Pipelined requests per stuck connection: far more answer bytes than the socket buffers of a
/// small receive window and the server's send buffer (up to 4 MiB) hold.
const PIPELINED: usize = 2000;

/// A connection with a small receive buffer, so the server's writes stall soon.
fn stingy_client(to: SocketAddr) -> TcpStream {
    use rustix::net::{AddressFamily, SocketType, connect, socket, sockopt};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None).unwrap();
    sockopt::set_socket_recv_buffer_size(&fd, 4096).unwrap();
    connect(&fd, &to).unwrap();
    TcpStream::from(fd)
}

#[test]
fn a_client_that_never_reads_is_closed_and_the_owner_gets_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = psmonitor(dir.path());
    cmd.env("PSMONITOR_HEADER_TIMEOUT", "1s");
    let served = serve_cmd(cmd, Some(PASSWORD));
    let addr: SocketAddr = served.addr.parse().unwrap();

    // The dashboard page: about 6 KB an answer, no login needed.
    let requests = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(PIPELINED);
    let started = Instant::now();
    let mut stuck: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = stingy_client(addr);
            stream.write_all(requests.as_bytes()).unwrap();
            stream
        })
        .collect();

    // The owner is answered while those connections hang on.
    let (status, body) = login(&served.addr, PASSWORD);
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();
    assert_eq!(get_system(&served.addr, token), 200);

    // Not reading for longer than the header timeout is the behaviour under test.
    std::thread::sleep(Duration::from_millis(2500).saturating_sub(started.elapsed()));
    let full = PIPELINED * 5000;
    for stream in &mut stuck {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut got = 0;
        let mut chunk = [0u8; 16 * 1024];
        let closed = loop {
            match stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(e) => panic!("still open after {got} bytes: {e}"),
            }
        };
        assert!(closed);
        assert!(
            got < full,
            "all {got} bytes were answered: nothing was cut off"
        );
    }
}

/// The same over TLS: the server's writes stall inside the TLS stream, and the deadline holds.
#[test]
fn a_tls_client_that_never_reads_is_closed() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use psmonitor_server::config::TlsMode;
    use psmonitor_tls::ClientTrust;

    let server = common::TestServer::start_with("vm-no-sensors", |cfg| {
        cfg.tls = TlsMode::On;
        cfg.header_timeout = Duration::from_secs(1);
    });
    let fingerprint = server.handle.as_ref().unwrap().tls().unwrap().fingerprint();
    let trust = ClientTrust {
        fingerprint: Some(fingerprint),
        ..ClientTrust::default()
    };
    let connector = trust.client("127.0.0.1", server.addr.port()).unwrap();
    let requests = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(PIPELINED);
    smol::block_on(async {
        let tcp = smol::net::TcpStream::try_from(stingy_client(server.addr)).unwrap();
        let mut tls = connector.connect(tcp).await.unwrap();
        tls.write_all(requests.as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        let started = Instant::now();
        // Not reading for longer than the header timeout is the behaviour under test.
        smol::Timer::after(Duration::from_millis(2500)).await;
        let mut got = 0;
        let mut chunk = vec![0u8; 16 * 1024];
        let read_all = async {
            loop {
                match tls.read(&mut chunk).await {
                    Ok(0) | Err(_) => return true,
                    Ok(n) => got += n,
                }
            }
        };
        let closed = futures_lite::future::or(read_all, async {
            smol::Timer::after(Duration::from_secs(5)).await;
            false
        })
        .await;
        assert!(closed, "still open after {:?}", started.elapsed());
        assert!(got < PIPELINED * 5000, "all {got} bytes were answered");
    });
}
