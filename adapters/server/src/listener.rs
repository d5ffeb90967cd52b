//! The accept loop: sets `TCP_NODELAY` (small JSON answers must not wait for the client's delayed
//! ACK), admits each connection against the limits, and answers the ones it refuses with 503
//! instead of leaving them hanging, even when the process has run out of file descriptors.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use async_executor::Executor;
use async_net::TcpStream;
use psmonitor_core::http1::Version;
use psmonitor_core::hub::error_response;

use crate::conn::{ConnShared, write_response};
use crate::limits::{ConnLimits, Refusal, SpareFd};

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
) -> std::io::Result<()> {
    let listener = async_net::TcpListener::try_from(listener)?;
    let mut spare = SpareFd::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if out_of_fds(&e) && spare.release() => {
                // Free the spare, take the waiting connection, tell it why, and close it.
                if let Ok((stream, _)) = listener.accept().await {
                    executor.spawn(turn_away(stream, Refusal::Full)).detach();
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
            Ok(permit) => executor
                .spawn(crate::conn::serve(stream, peer, permit, shared.clone()))
                .detach(),
            Err(refusal) => {
                tracing::debug!(%peer, ?refusal, open = limits.open(), "connection refused");
                executor.spawn(turn_away(stream, refusal)).detach();
            }
        }
    }
}

fn out_of_fds(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == rustix::io::Errno::MFILE.raw_os_error()
            || code == rustix::io::Errno::NFILE.raw_os_error()
    )
}

/// Answers a refused connection with 503 and closes it at once: it holds a descriptor, and
/// refused connections may come by the thousand.
async fn turn_away(mut stream: TcpStream, refusal: Refusal) {
    let message = match refusal {
        Refusal::Address => "too many connections from your address: try again later",
        Refusal::Full => "server is at full capacity: try again later",
    };
    let mut answer = error_response(503, message);
    answer
        .headers
        .push(("Retry-After", RETRY_AFTER_SECS.to_owned()));
    let write = write_response(&mut stream, Version::Http11, &answer, false);
    let _ = futures_lite::FutureExt::or(write, async {
        async_io::Timer::after(ACCEPT_BACKOFF).await;
        Ok(())
    })
    .await;
}
