//! The HTTP half of the hub: routing, login, worker creation and snapshot requests.

use std::sync::Arc;

use serde_json::Value;
use zeroize::Zeroizing;

use super::access::Need;
use super::logins::{Login, Offer};
use super::sampling::Resource;
use super::{HttpRequest, HttpResponse, Hub, JobId, Output, ReqId};
use crate::auth::{TokenError, issue_token, refresh_token, validate_bearer};

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

/// 503 for a login that found no verification slot: the credentials were not checked.
fn busy() -> HttpResponse {
    error_with(
        503,
        "server busy verifying other logins: try again shortly",
        vec![("Retry-After", "1".to_owned())],
    )
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
        let allow = format!("{}, OPTIONS", route.method());
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

    fn authenticate(&mut self, req: ReqId, request: &HttpRequest) -> Option<HttpResponse> {
        let (username, password) = match parse_login(&request.body) {
            Ok(parsed) => parsed,
            Err(err) => return Some(error(400, &err.to_string())),
        };
        let failures = self.limiter.failures(request.peer);
        let must_wait = self.logins.len() >= self.config.verify_slots;
        let limiter = &self.limiter;
        if must_wait
            && !self
                .login_queue
                .has_room_for(failures, |ip| limiter.failures(ip))
        {
            return Some(busy());
        }
        if let Err(retry) = self.limiter.begin(request.peer, self.now.mono) {
            self.stats.logins_limited += 1;
            return Some(error_with(
                429,
                "too many failed login attempts",
                vec![("Retry-After", retry.header_secs().to_string())],
            ));
        }
        self.next_job += 1;
        let job = JobId(self.next_job);
        // An unknown user is verified against the real hash too, so both cost the same.
        let login = Login {
            req,
            peer: request.peer,
            known_user: username == self.account.username,
        };
        if !must_wait {
            self.start_verification(job, login, password);
        } else if let Offer::Displaced(worse) = self
            .login_queue
            .push(job, login, password, |ip| self.limiter.failures(ip))
        {
            self.limiter.cancel(worse.login.peer, self.now.mono);
            self.respond(worse.login.req, busy());
        }
        None
    }

    fn start_verification(&mut self, job: JobId, login: Login, password: Zeroizing<String>) {
        self.logins.insert(job, login);
        self.out.push_back(Output::VerifyPassword {
            job,
            phc: self.account.password_hash.clone(),
            password,
        });
    }

    /// Starts waiting logins while verification slots are free.
    fn start_waiting_logins(&mut self) {
        while self.logins.len() < self.config.verify_slots {
            let limiter = &self.limiter;
            let Some(next) = self.login_queue.pop(|ip| limiter.failures(ip)) else {
                return;
            };
            self.start_verification(next.job, next.login, next.password);
        }
    }

    pub(super) fn handle_unverified(&mut self, job: JobId) {
        if let Some(login) = self.logins.remove(&job) {
            self.limiter.cancel(login.peer, self.now.mono);
            self.respond(login.req, busy());
        }
        self.start_waiting_logins();
    }

    pub(super) fn handle_verified(&mut self, job: JobId, ok: bool) {
        let Some(login) = self.logins.remove(&job) else {
            return;
        };
        self.start_waiting_logins();
        let success = ok && login.known_user;
        self.limiter.finish(login.peer, self.now.mono, success);
        if !success {
            self.stats.logins_failed += 1;
            self.respond(login.req, error(401, "invalid username or password"));
            return;
        }
        self.stats.logins_ok += 1;
        let response = match issue_token(&self.account, self.now.wall, self.config.token_ttl) {
            Ok(token) => {
                let body = serde_json::json!({
                    "token": token.as_str(),
                    "user_id": self.account.user_id,
                });
                ok_json(&body)
            }
            Err(_) => error(500, "could not issue a token"),
        };
        self.respond(login.req, response);
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
        let subject = match self.authorize_for(request, Need::Read) {
            Ok(subject) => subject,
            Err(response) => return response,
        };
        match self.workers.create(&subject, request.peer, self.now.mono) {
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
        if let Some(body) = self
            .sampler
            .fresh(self.now.mono, resource)
            .and_then(|snapshot| resource.body(snapshot))
        {
            return Some(ok(body));
        }
        self.sampler.queue(req, resource);
        None
    }
}

fn ok_json(value: &Value) -> HttpResponse {
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
