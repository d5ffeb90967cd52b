//! A connection refused on the TLS port (the server is full) is told so over TLS: the handshake,
//! then `503` with `Retry-After`, so a TLS client reports "busy, retry" instead of "does the
//! server speak https?". Handshakes cost memory and CPU, so only [`MAX_AT_ONCE`] refusals run
//! at once, each within [`HANDSHAKE_TIME`]; beyond that a refused connection is closed at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_net::TcpStream;
use futures_lite::FutureExt;
use psmonitor_core::http1::Version;
use psmonitor_core::hub::HttpResponse;
use psmonitor_tls::ServerTls;

use crate::conn::refuse;

/// TLS refusals running at once.
pub(crate) const MAX_AT_ONCE: usize = 32;
/// Time a refused client has for its handshake and our answer.
pub(crate) const HANDSHAKE_TIME: Duration = Duration::from_secs(2);

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Answers `answer` over TLS on a refused connection, or closes it when too many refusals run.
pub(crate) async fn turn_away(stream: TcpStream, answer: HttpResponse, tls: Arc<ServerTls>) {
    if RUNNING.fetch_add(1, Ordering::AcqRel) >= MAX_AT_ONCE {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let refuse = async {
        if let Ok(mut stream) = tls.acceptor().accept(stream).await {
            // Answers, then reads what the client sends for a moment, so closing does not
            // reset the connection under the answer.
            refuse(&mut stream, Version::Http11, &answer).await;
        }
    };
    refuse
        .or(async {
            async_io::Timer::after(HANDSHAKE_TIME).await;
        })
        .await;
    RUNNING.fetch_sub(1, Ordering::AcqRel);
}
