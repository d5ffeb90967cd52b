//! The accept loop: sets `TCP_NODELAY` (small JSON answers must not wait for the client's delayed
//! ACK), admits each connection against the limits, and answers the ones it refuses with 503
//! instead of leaving them hanging, even when the process has run out of file descriptors.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_executor::Executor;
use async_net::TcpStream;
use futures_lite::FutureExt;
use psmonitor_core::http1::Version;
use psmonitor_core::hub::error_response;
use psmonitor_tls::{ServerTls, looks_like_tls};

use crate::conn::sock::Sock;
use crate::conn::{ConnShared, refuse, write_response};
use crate::limits::{ConnLimits, ConnPermit, Refusal, SpareFd};

/// Pause after an accept error other than running out of descriptors, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// Seconds a refused client is told to wait.
const RETRY_AFTER_SECS: &str = "1";

/// Accepts connections until the listener fails, serving each on its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: ConnShared,
    limits: Arc<ConnLimits>,
    executor: Arc<Executor<'static>>,
    tls: Option<Arc<ServerTls>>,
) -> std::io::Result<()> {
    let listener = async_net::TcpListener::try_from(listener)?;
    let mut spare = SpareFd::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if out_of_fds(&e) && spare.release() => {
                // Free the spare, take the waiting connection, tell it why, and close it.
                if let Ok((stream, _)) = listener.accept().await {
                    executor
                        .spawn(turn_away(stream, Refusal::Full, tls.clone()))
                        .detach();
                }
                spare.restore();
                continue;
            }
            Err(e) if out_of_fds(&e) => {
                // The spare is in use by a connection being turned away: wait for it.
                tracing::debug!("accept failed: {e}");
                async_io::Timer::after(ACCEPT_BACKOFF).await;
                spare.restore();
                continue;
            }
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                async_io::Timer::after(ACCEPT_BACKOFF).await;
                spare.restore();
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        match limits.admit(peer.ip()) {
            Ok(permit) => match &tls {
                None => executor
                    .spawn(crate::conn::serve(
                        Sock::from(stream),
                        peer,
                        permit,
                        shared.clone(),
                    ))
                    .detach(),
                Some(tls) => executor
                    .spawn(serve_tls(stream, peer, permit, shared.clone(), tls.clone()))
                    .detach(),
            },
            Err(refusal) => {
                tracing::debug!(%peer, ?refusal, open = limits.open(), "connection refused");
                executor
                    .spawn(turn_away(stream, refusal, tls.clone()))
                    .detach();
            }
        }
    }
}

/// A connection to the TLS port: the handshake (within the header timeout), then HTTP over it.
/// A client speaking plain HTTP here is told, in plain HTTP, where to go instead.
async fn serve_tls(
    mut stream: TcpStream,
    peer: SocketAddr,
    permit: ConnPermit,
    shared: ConnShared,
    tls: Arc<ServerTls>,
) {
    let deadline = Instant::now() + shared.http.header_timeout;
    let too_late = async {
        async_io::Timer::at(deadline).await;
        None
    };
    let mut first = [0u8; 2];
    let peeked = async { Some(stream.peek(&mut first).await) }
        .or(too_late)
        .await;
    let n = match peeked {
        Some(Ok(n)) if n > 0 => n,
        _ => return,
    };
    if !looks_like_tls(&first[..n]) {
        let here = stream
            .local_addr()
            .map_or_else(|_| "HOST:PORT".to_owned(), |a| a.to_string());
        let answer = error_response(
            400,
            &format!("this server speaks https: use https://{here}"),
        );
        return refuse(
            &mut stream,
            Version::Http11,
            &answer,
            shared.http.header_timeout,
        )
        .await;
    }
    let handshake = async { Some(tls.acceptor().accept(Sock::from(stream)).await) }
        .or(async {
            async_io::Timer::at(deadline).await;
            None
        })
        .await;
    match handshake {
        Some(Ok(stream)) => crate::conn::serve(stream, peer, permit, shared).await,
        Some(Err(e)) => tracing::debug!(%peer, "tls handshake failed: {e}"),
        None => tracing::debug!(%peer, "tls handshake timed out"),
    }
}

fn out_of_fds(e: &std::io::Error) -> bool {
    let Some(code) = e.raw_os_error() else {
        return false;
    };
    // The system-wide table being full is a Unix error; the per-process one exists everywhere.
    #[cfg(unix)]
    if code == rustix::io::Errno::NFILE.raw_os_error() {
        return true;
    }
    code == rustix::io::Errno::MFILE.raw_os_error()
}

/// Answers a refused connection with 503 and closes it at once: it holds a descriptor, and
/// refused connections may come by the thousand. On the TLS port the answer goes over TLS (a
/// client then reports "busy, retry", not "does the server speak https?"): the handshake is
/// allowed [`TLS_TURN_AWAY_TIME`], and at most [`TLS_TURN_AWAY_AT_ONCE`] run at a time; past
/// that, the connection is just closed.
async fn turn_away(mut stream: TcpStream, refusal: Refusal, tls: Option<Arc<ServerTls>>) {
    let message = match refusal {
        Refusal::Address => "too many connections from your address: try again later",
        Refusal::Full => "server is at full capacity: try again later",
    };
    let mut answer = error_response(503, message);
    answer
        .headers
        .push(("Retry-After", RETRY_AFTER_SECS.to_owned()));
    let Some(tls) = tls else {
        let _ = write_response(&mut stream, Version::Http11, &answer, false, ACCEPT_BACKOFF).await;
        return;
    };
    let Some(_slot) = TurnAwaySlot::take() else {
        return;
    };
    let answered = async {
        let mut stream = tls.acceptor().accept(stream).await.ok()?;
        write_response(
            &mut stream,
            Version::Http11,
            &answer,
            false,
            TLS_TURN_AWAY_TIME,
        )
        .await
        .ok()?;
        let _ = futures_lite::AsyncWriteExt::close(&mut stream).await;
        // Read and drop what the client sent (its request came with the handshake): closing
        // with unread bytes would send a reset, and the reset can destroy the answer before the
        // client reads it.
        let mut sink = [0; 4096];
        let mut left = TLS_TURN_AWAY_DRAIN;
        while left > 0 {
            match futures_lite::AsyncReadExt::read(&mut stream, &mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
        Some(())
    };
    let _ = answered
        .or(async {
            async_io::Timer::after(TLS_TURN_AWAY_TIME).await;
            None
        })
        .await;
}

/// Time a refused TLS connection gets for its handshake and answer.
const TLS_TURN_AWAY_TIME: Duration = Duration::from_secs(1);
/// Bytes a refused TLS client may still send after its answer before the connection closes.
const TLS_TURN_AWAY_DRAIN: usize = 16 * 1024;
/// Refused TLS connections answered at once (each handshake costs CPU).
const TLS_TURN_AWAY_AT_ONCE: usize = 32;

/// One of the [`TLS_TURN_AWAY_AT_ONCE`] places; freed on drop.
struct TurnAwaySlot;

static TURNING_AWAY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl TurnAwaySlot {
    fn take() -> Option<Self> {
        use std::sync::atomic::Ordering;
        if TURNING_AWAY.fetch_add(1, Ordering::AcqRel) >= TLS_TURN_AWAY_AT_ONCE {
            TURNING_AWAY.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self)
    }
}

impl Drop for TurnAwaySlot {
    fn drop(&mut self) {
        TURNING_AWAY.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}
