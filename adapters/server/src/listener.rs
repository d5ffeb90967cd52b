//! The accept loop: tide's own sets no `TCP_NODELAY`, and on keep-alive connections Nagle's
//! algorithm then holds each small JSON response back until the client's delayed ACK (~40 ms).
//! It also survives running out of file descriptors instead of giving up.

use std::net::TcpListener;
use std::time::Duration;

use crate::http::AppState;

/// Pause after an accept error such as EMFILE, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections forever, serving each with HTTP/1.1 on its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    app: tide::Server<AppState>,
) -> std::io::Result<()> {
    let listener = async_std::net::TcpListener::from(listener);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                async_io::Timer::after(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        let app = app.clone();
        async_std::task::spawn(async move {
            let local = stream.local_addr().ok();
            let served = async_h1::accept(stream, |mut req| async {
                req.set_local_addr(local);
                req.set_peer_addr(Some(peer));
                app.respond(req).await
            })
            .await;
            if let Err(e) = served {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}
