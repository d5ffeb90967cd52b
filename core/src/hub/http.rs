//! The HTTP half of the hub: routing, login, worker creation and snapshot requests.

use std::sync::Arc;

use serde_json::Value;
use zeroize::Zeroizing;

use super::access::Need;
use super::sampling::Resource;
use super::{HttpRequest, HttpResponse, Hub, ReqId};
use crate::auth::{TokenError, refresh_token, validate_bearer};

/// The address put in worker URLs when the request had no usable `Host` header.
pub const DEFAULT_HOST: &str = "127.0.0.1:4500";

const CORS_ORIGIN: (&str, &str) = ("Access-Control-Allow-Origin", "*");

/// The content type of every response but the dashboard's files.
pub(super) const JSON: &str = "application/json";

/// Why a login body was refused with 400; the `Display` text is the error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoginBodyError {
    /// Not JSON at all.
    #[error("malformed json body")]
    Json,
    /// JSON, but not an object.
    #[error("body must be a json object")]
    NotObject,
    /// `username` missing or not a string.
    #[error("username must be a string")]
    Username,
    /// `password` missing or not a string.
    #[error("password must be a string")]
    Password,
}

/// The known routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Authenticate,
    Refresh,
    Worker,
    System,
    Network,
    /// The websocket endpoint, reached without an upgrade.
    Connect,
    /// Prometheus metrics.
    Metrics,
    /// History of series.
    History,
    /// The series with history.
    HistorySeries,
}

impl Route {
    fn find(path: &str) -> Option<Self> {
        match path {
            "/authenticate" => Some(Self::Authenticate),
            "/refresh" => Some(Self::Refresh),
            "/worker" => Some(Self::Worker),
            "/system" => Some(Self::System),
            "/network" => Some(Self::Network),
            "/connect" => Some(Self::Connect),
            "/metrics" => Some(Self::Metrics),
            "/history" => Some(Self::History),
            "/history/series" => Some(Self::HistorySeries),
            _ => None,
        }
    }

    /// The `Allow` header of a 405: HEAD goes with GET (the HTTP/1 layer answers it as GET).
    fn allow(self) -> &'static str {
        match self.method() {
            "GET" => "GET, HEAD, OPTIONS",
            _ => "POST, OPTIONS",
        }
    }

    fn method(self) -> &'static str {
        match self {
            Self::Authenticate | Self::Refresh | Self::Worker => "POST",
            Self::System
            | Self::Network
            | Self::Connect
            | Self::Metrics
            | Self::History
            | Self::HistorySeries => "GET",
        }
    }
}

/// Whether a request announcing a body with `Expect: 100-continue` may send it: `Ok(true)` when
/// `method` and `path` name a route that takes a body, `Err` with the refusal when the path is
/// a route but not for `method`, `Ok(false)` for anything else (the hub answers once the body,
/// if it comes, is read).
pub fn expect_continue(method: &str, path: &str) -> Result<bool, HttpResponse> {
    match Route::find(path) {
        Some(route) if route.method() == method => Ok(route.method() == "POST"),
        Some(route) if method != "OPTIONS" => Err(error_with(
            405,
            "method not allowed",
            vec![("Allow", route.allow().to_owned())],
        )),
        _ => Ok(false),
    }
}

/// A JSON response with the CORS header every response carries.
pub(super) fn json(
    status: u16,
    body: Arc<str>,
    extra: Vec<(&'static str, String)>,
) -> HttpResponse {
    let mut headers = vec![(CORS_ORIGIN.0, CORS_ORIGIN.1.to_owned())];
    headers.extend(extra);
    HttpResponse {
        status,
        headers,
        body,
        content_type: JSON,
    }
}

/// 200 with a body.
pub(super) fn ok(body: Arc<str>) -> HttpResponse {
    json(200, body, Vec::new())
}

/// `{"error": message}` with `status` and the CORS header, as every error is answered.
pub fn error(status: u16, message: &str) -> HttpResponse {
    error_with(status, message, Vec::new())
}

pub(super) fn error_with(
    status: u16,
    message: &str,
    extra: Vec<(&'static str, String)>,
) -> HttpResponse {
    let body = serde_json::json!({ "error": message }).to_string();
    json(status, Arc::from(body), extra)
}

pub(super) fn unauthorized(err: TokenError) -> HttpResponse {
    error_with(
        401,
        &err.to_string(),
        vec![("WWW-Authenticate", "Bearer".to_owned())],
    )
}

/// Reads `{"username": string, "password": string}`; other keys are ignored.
pub fn parse_login(body: &[u8]) -> Result<(String, Zeroizing<String>), LoginBodyError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| LoginBodyError::Json)?;
    let Value::Object(mut map) = value else {
        return Err(LoginBodyError::NotObject);
    };
    let Some(Value::String(username)) = map.remove("username") else {
        return Err(LoginBodyError::Username);
    };
    let Some(Value::String(password)) = map.remove("password") else {
        return Err(LoginBodyError::Password);
    };
    Ok((username, Zeroizing::new(password)))
}

/// A `Host` header fit to put in a URL: host name or address and optional port, nothing else.
fn usable_host(host: Option<&str>) -> &str {
    host.filter(|h| {
        !h.is_empty()
            && h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
    })
    .unwrap_or(DEFAULT_HOST)
}

impl Hub {
    pub(super) fn handle_request(&mut self, req: ReqId, request: HttpRequest) {
        let response = self.route(req, request);
        if let Some(response) = response {
            self.respond(req, response);
        }
    }

    /// The immediate response, or `None` when the answer comes later (login, sampling).
    fn route(&mut self, req: ReqId, request: HttpRequest) -> Option<HttpResponse> {
        if self.shutting_down {
            return Some(error(503, "server is shutting down"));
        }
        if self.assets.contains(&request.path) {
            if request.method != "GET" {
                return Some(error_with(
                    405,
                    "method not allowed",
                    vec![("Allow", "GET".to_owned())],
                ));
            }
            return self
                .assets
                .respond(&request.path, request.if_none_match.as_deref());
        }
        let Some(route) = Route::find(&request.path) else {
            return Some(error(404, "not found"));
        };
        let allow = route.allow().to_owned();
        if request.method == "OPTIONS" && route == Route::Authenticate {
            return Some(super::origins::login_preflight(
                &request,
                &self.config.cors_origins,
            ));
        }
        if request.method == "OPTIONS" {
            return Some(json(
                204,
                Arc::from(""),
                vec![
                    ("Access-Control-Allow-Methods", allow),
                    (
                        "Access-Control-Allow-Headers",
                        "Authorization, Content-Type".to_owned(),
                    ),
                    ("Access-Control-Max-Age", "600".to_owned()),
                ],
            ));
        }
        if request.method != route.method() {
            return Some(error_with(
                405,
                "method not allowed",
                vec![("Allow", allow)],
            ));
        }
        if request.body.len() > self.config.max_body_bytes {
            return Some(error(413, "request body too large"));
        }
        match route {
            Route::Authenticate => self.authenticate(req, &request),
            Route::Refresh => Some(self.refresh(&request)),
            Route::Worker => Some(self.create_worker(&request)),
            Route::System => self.snapshot(req, &request, Resource::System),
            Route::Network => self.snapshot(req, &request, Resource::Network),
            Route::Metrics => self.metrics(req, &request),
            Route::History => self.history(req, &request, false),
            Route::HistorySeries => self.history(req, &request, true),
            Route::Connect => Some(error_with(
                426,
                "websocket upgrade required",
                vec![("Upgrade", "websocket".to_owned())],
            )),
        }
    }

    /// `POST /refresh`: a new token for the session of a valid one, until the session ends.
    fn refresh(&mut self, request: &HttpRequest) -> HttpResponse {
        // Sessions are the password's: an API token (psm_...) has none to refresh.
        let authorization = request.authorization.as_deref();
        let claims = match validate_bearer(authorization, &self.account, self.now.wall) {
            Ok(claims) => claims,
            Err(err) => return unauthorized(err),
        };
        match refresh_token(
            &self.account,
            &claims,
            self.now.wall,
            self.config.token_ttl,
            self.config.session_lifetime,
        ) {
            Ok(token) => ok_json(&serde_json::json!({
                "token": token.as_str(),
                "user_id": self.account.user_id,
            })),
            Err(crate::auth::RefreshError::SessionExpired) => error_with(
                401,
                "session expired: log in again",
                vec![("WWW-Authenticate", "Bearer".to_owned())],
            ),
            Err(crate::auth::RefreshError::Issue(_)) => error(500, "could not issue a token"),
        }
    }

    fn create_worker(&mut self, request: &HttpRequest) -> HttpResponse {
        let (subject, credential) = match self.authorize(request, Need::Read) {
            Ok(authorized) => authorized,
            Err(response) => return response,
        };
        match self
            .workers
            .create(&subject, credential, request.peer, self.now.mono)
        {
            Ok(id) => {
                let host = usable_host(request.host.as_deref());
                let scheme = if request.secure { "wss" } else { "ws" };
                let url = format!(
                    "{scheme}://{host}/connect?id={}&subscriber={}",
                    id.as_str(),
                    subject
                );
                let message = format!(
                    "worker created, connect within {} seconds",
                    self.config.worker_ttl.as_secs_f64()
                );
                ok_json(&serde_json::json!({"id": id.as_str(), "url": url, "message": message}))
            }
            Err(err) => error(429, &err.to_string()),
        }
    }

    fn snapshot(
        &mut self,
        req: ReqId,
        request: &HttpRequest,
        resource: Resource,
    ) -> Option<HttpResponse> {
        if let Err(response) = self.authorize_for(request, Need::Read) {
            return Some(response);
        }
        if let Some(body) = self.sampler.fresh_body(self.now.mono, resource) {
            return Some(ok(body));
        }
        self.sampler.queue(req, resource);
        None
    }
}

pub(super) fn ok_json(value: &Value) -> HttpResponse {
    ok(Arc::from(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_body_shapes() {
        let (user, pass) = parse_login(br#"{"username":"u","password":"p","extra":1}"#).unwrap();
        assert_eq!((user.as_str(), pass.as_str()), ("u", "p"));
        let cases: [(&[u8], LoginBodyError); 7] = [
            (b"", LoginBodyError::Json),
            (b"{", LoginBodyError::Json),
            (b"\xff\xfe", LoginBodyError::Json),
            (br#"["PSMonitor","pw"]"#, LoginBodyError::NotObject),
            (br#"{"password":"p"}"#, LoginBodyError::Username),
            (
                br#"{"username":1,"password":"p"}"#,
                LoginBodyError::Username,
            ),
            (
                br#"{"username":"u","password":null}"#,
                LoginBodyError::Password,
            ),
        ];
        for (body, want) in cases {
            assert_eq!(parse_login(body).err(), Some(want), "{body:?}");
        }
    }

    #[test]
    fn host_header_is_sanitized() {
        assert_eq!(usable_host(Some("example.org:8080")), "example.org:8080");
        assert_eq!(usable_host(Some("[::1]:4500")), "[::1]:4500");
        assert_eq!(usable_host(None), DEFAULT_HOST);
        assert_eq!(usable_host(Some("")), DEFAULT_HOST);
        assert_eq!(usable_host(Some("evil/\"path")), DEFAULT_HOST);
    }

    #[test]
    fn every_response_carries_cors_origin() {
        for response in [ok(Arc::from("{}")), error(404, "not found")] {
            assert!(
                response
                    .headers
                    .contains(&("Access-Control-Allow-Origin", "*".to_owned()))
            );
        }
        let body: Value = serde_json::from_str(&error(404, "not \"found\"").body).unwrap();
        assert_eq!(body["error"], "not \"found\"");
    }
}
