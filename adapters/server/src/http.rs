//! The tide application: every request goes to the hub, except websocket upgrades on
//! `/connect`, which [`crate::websocket`] completes first. No tide type leaves this module
//! and [`crate::websocket`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use async_channel::Sender;
use futures_lite::AsyncReadExt;
use psmonitor_core::hub::{HttpRequest, HttpResponse};
use tide::http::StatusCode;

use crate::driver::{HubMsg, Ids};

/// The most of an oversized body read (and dropped) before answering 413.
const DRAIN_LIMIT: u64 = 8 * 1024 * 1024;

/// What every request handler shares.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub(crate) hub: Sender<HubMsg>,
    pub(crate) ids: Arc<Ids>,
    pub(crate) max_body_bytes: usize,
    /// Websocket connections being served, for a graceful shutdown.
    pub(crate) live: Arc<std::sync::atomic::AtomicUsize>,
}

/// Builds the tide app with one catch-all endpoint.
pub(crate) fn app(state: AppState) -> tide::Server<AppState> {
    let mut app = tide::with_state(state);
    app.at("/").all(endpoint);
    app.at("*").all(endpoint);
    app
}

async fn endpoint(mut req: tide::Request<AppState>) -> tide::Result {
    if req.url().path() == "/connect" {
        return Ok(crate::websocket::upgrade(req).await);
    }
    let state = req.state().clone();
    let body = match read_body(&mut req, state.max_body_bytes + 1).await {
        Ok(body) => body,
        Err(_) => {
            return Ok(json_error(
                StatusCode::BadRequest,
                "could not read request body",
            ));
        }
    };
    let request = HttpRequest {
        method: req.method().to_string(),
        path: req.url().path().to_owned(),
        query: req.url().query().map(str::to_owned),
        authorization: header(&req, "Authorization"),
        host: header(&req, "Host"),
        accept: header(&req, "Accept"),
        body,
        peer: peer_ip(&req),
    };
    tracing::debug!(method = %request.method, path = %request.path, "request");
    let (reply, response) = async_channel::bounded(1);
    if state
        .hub
        .send(HubMsg::Request {
            request: Box::new(request),
            reply,
        })
        .await
        .is_err()
    {
        return Ok(json_error(
            StatusCode::ServiceUnavailable,
            "server is shutting down",
        ));
    }
    match response.recv().await {
        Ok(response) => Ok(to_tide(response)),
        Err(_) => Ok(json_error(
            StatusCode::ServiceUnavailable,
            "server is shutting down",
        )),
    }
}

/// Reads at most `limit` bytes of the body: enough for the hub to tell "too large". The rest of
/// an oversized body (up to [`DRAIN_LIMIT`]) is read and dropped, so a client that sends its
/// whole body before reading the answer gets its 413 instead of a stalled connection.
async fn read_body(req: &mut tide::Request<AppState>, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut reader = req.take_body();
    let mut body = Vec::new();
    (&mut reader)
        .take(limit as u64)
        .read_to_end(&mut body)
        .await?;
    if body.len() == limit {
        futures_lite::io::copy(
            (&mut reader).take(DRAIN_LIMIT),
            &mut futures_lite::io::sink(),
        )
        .await?;
    }
    Ok(body)
}

/// A header as one raw string, as the core expects it.
pub(crate) fn header(req: &tide::Request<AppState>, name: &str) -> Option<String> {
    req.header(name).map(|values| values.as_str().to_owned())
}

/// The client's address, or 0.0.0.0 if the transport gives none.
pub(crate) fn peer_ip(req: &tide::Request<AppState>) -> IpAddr {
    req.peer_addr()
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip())
}

fn to_tide(response: HttpResponse) -> tide::Response {
    let status = StatusCode::try_from(response.status).unwrap_or(StatusCode::InternalServerError);
    let mut res = tide::Response::new(status);
    for (name, value) in &response.headers {
        res.insert_header(*name, value.as_str());
    }
    if !response.body.is_empty() {
        res.set_body(response.body.as_ref());
        // The hub names the type where it is not JSON (`/metrics`).
        match response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            Some((_, value)) => res.insert_header("Content-Type", value.as_str()),
            None => res.set_content_type("application/json"),
        }
    }
    res
}

/// A JSON error made by the adapter itself (the hub makes all the others).
pub(crate) fn json_error(status: StatusCode, message: &str) -> tide::Response {
    let mut res = tide::Response::new(status);
    res.set_body(serde_json::json!({ "error": message }).to_string());
    res.set_content_type("application/json");
    res
}
