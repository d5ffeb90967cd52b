//! One connection on a real socket, with the test in the hub's place.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::FutureExt;
use psmonitor_core::http1::{ConnConfig, Limits};

use super::{ConnShared, serve};
use crate::driver::{HubMsg, Ids};
use crate::limits::ConnLimits;

/// Serves one accepted connection; returns the hub's inbox and the client's socket.
fn one_connection(
    ex: &Arc<async_executor::Executor<'static>>,
) -> (
    async_channel::Receiver<HubMsg>,
    std::net::TcpStream,
    async_executor::Task<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (stream, peer) = listener.accept().unwrap();
    let stream = async_net::TcpStream::try_from(stream).unwrap();
    let (hub, inbox) = async_channel::bounded(8);
    let (live, _keep) = async_channel::bounded::<()>(1);
    let shared = ConnShared {
        hub,
        cell: None,
        ids: Arc::new(Ids::default()),
        http: ConnConfig::new(Limits::default(), Duration::from_secs(10)),
        live: live.downgrade(),
        tls: false,
        executor: ex.clone(),
    };
    let permit = ConnLimits::new(4, 4).admit(peer.ip()).unwrap();
    let task = ex.spawn(serve(stream, peer, permit, shared));
    (inbox, client, task)
}

/// Issue 20: a client that goes away while the hub has its request ends the connection at once,
/// and the dropped reply tells whoever holds the request (the history thread) not to bother.
#[test]
fn a_client_gone_while_the_hub_has_its_request_ends_the_connection_and_drops_the_reply() {
    let ex = Arc::new(async_executor::Executor::new());
    let (inbox, mut client, task) = one_connection(&ex);
    client
        .write_all(b"GET /history?series=cpu.usage&since=0 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let reply = smol::block_on(ex.run(async {
        match inbox.recv().await.unwrap() {
            HubMsg::Request { request, reply } => {
                assert_eq!(request.path, "/history");
                reply
            }
            _ => panic!("expected the request"),
        }
    }));
    assert!(!reply.is_closed(), "the client is still there");
    drop(client);
    // The hub never answers: the connection must end on the client's close alone.
    let ended = smol::block_on(
        ex.run(
            async {
                task.await;
                true
            }
            .or(async {
                async_io::Timer::after(Duration::from_secs(10)).await;
                false
            }),
        ),
    );
    assert!(
        ended,
        "the connection waited for an answer nobody would read"
    );
    assert!(reply.is_closed(), "the reply is dropped");
}

/// A client that only pipelines its next request meanwhile is still answered, in order.
#[test]
fn bytes_sent_while_the_hub_has_a_request_wait_for_their_turn() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let ex = Arc::new(async_executor::Executor::new());
    let (inbox, client, _task) = one_connection(&ex);
    let mut client = async_net::TcpStream::try_from(client).unwrap();
    let answer = |msg: HubMsg, path: &str| match msg {
        HubMsg::Request { request, reply } => {
            assert_eq!(request.path, path);
            let body = format!("answer to {path}");
            reply
                .try_send(psmonitor_core::hub::error_response(404, &body))
                .unwrap();
        }
        _ => panic!("expected a request"),
    };
    let text = smol::block_on(ex.run(async {
        client
            .write_all(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        let first = inbox.recv().await.unwrap();
        client
            .write_all(b"GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        answer(first, "/a");
        answer(inbox.recv().await.unwrap(), "/b");
        let mut text = String::new();
        client.read_to_string(&mut text).await.unwrap();
        text
    }));
    let first_at = text.find("answer to /a").expect(&text);
    let second_at = text.find("answer to /b").expect(&text);
    assert!(first_at < second_at, "{text}");
}
