//! Who may log in from a web page: a login must be `Content-Type: application/json`, which a
//! page from another origin can only send after a CORS preflight, and the preflight of
//! `/authenticate` is granted only to the origins given with `--cors-origin`. A login whose
//! `Origin` is neither the server's own nor one of those is refused with 403 before the
//! failed-login limiter sees it, so a page elsewhere cannot put the owner's address into
//! back-off. Clients that are not browsers send no `Origin` and are not affected.

use std::sync::Arc;

use super::http::{JSON, error};
use super::{HttpRequest, HttpResponse};

/// The 403 message for a login from a page of another origin.
pub const FOREIGN_ORIGIN: &str =
    "login from another origin refused: start the server with --cors-origin ORIGIN to allow it";
/// The 415 message for a login whose body is not declared as JSON.
pub const NOT_JSON: &str = "login body must be sent as Content-Type: application/json";

/// Whether a `Content-Type` value is JSON (`application/json`, any parameters, any case).
pub(super) fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case(JSON))
    })
}

/// Whether `origin` is the server's own: the scheme the request came by and its `Host`.
fn same_origin(request: &HttpRequest, origin: &str) -> bool {
    let scheme = if request.secure { "https" } else { "http" };
    let Some(host) = request.host.as_deref() else {
        return false;
    };
    origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
}

/// An origin granted cross-origin login, as written in `allowed` (to echo back).
fn granted<'a>(origin: &str, allowed: &'a [String]) -> Option<&'a str> {
    allowed
        .iter()
        .find(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
        .map(String::as_str)
}

/// Refuses a login that a page of a foreign origin sent, or that is not JSON: 403 or 415.
pub(super) fn check_login(request: &HttpRequest, allowed: &[String]) -> Result<(), HttpResponse> {
    if let Some(origin) = request.origin.as_deref()
        && !same_origin(request, origin)
        && granted(origin, allowed).is_none()
    {
        return Err(error(403, FOREIGN_ORIGIN));
    }
    if !is_json(request.content_type.as_deref()) {
        return Err(error(415, NOT_JSON));
    }
    Ok(())
}

/// The answer to `OPTIONS /authenticate`: the CORS grant for an allowed origin, none for any
/// other (the browser then never sends the login).
pub(super) fn login_preflight(request: &HttpRequest, allowed: &[String]) -> HttpResponse {
    let mut headers = vec![
        ("Allow", "POST, OPTIONS".to_owned()),
        ("Vary", "Origin".to_owned()),
    ];
    if let Some(origin) = request.origin.as_deref().and_then(|o| granted(o, allowed)) {
        headers.extend([
            (
                "Access-Control-Allow-Origin",
                origin.trim_end_matches('/').to_owned(),
            ),
            ("Access-Control-Allow-Methods", "POST, OPTIONS".to_owned()),
            ("Access-Control-Allow-Headers", "Content-Type".to_owned()),
            ("Access-Control-Max-Age", "600".to_owned()),
        ]);
    }
    HttpResponse {
        status: 204,
        headers,
        body: Arc::from(""),
        content_type: JSON,
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn login(origin: Option<&str>, content_type: Option<&str>) -> HttpRequest {
        HttpRequest {
            method: "POST".to_owned(),
            path: "/authenticate".to_owned(),
            query: None,
            authorization: None,
            host: Some("127.0.0.1:4500".to_owned()),
            accept: None,
            body: b"{}".to_vec(),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
            if_none_match: None,
            secure: false,
            content_type: content_type.map(str::to_owned),
            origin: origin.map(str::to_owned),
        }
    }

    fn status(result: Result<(), HttpResponse>) -> u16 {
        result.map_or_else(|r| r.status, |()| 200)
    }

    #[test]
    fn json_media_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;x=1",
        ] {
            assert!(is_json(Some(ok)), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json(Some(bad)), "{bad}");
        }
        assert!(!is_json(None));
    }

    #[test]
    fn logins_from_other_origins_need_a_grant() {
        let allowed = vec!["https://dash.example:8443/".to_owned()];
        let json = Some("application/json");
        // Not a browser, the server's own page, a granted origin: fine.
        assert_eq!(status(check_login(&login(None, json), &allowed)), 200);
        assert_eq!(
            status(check_login(
                &login(Some("http://127.0.0.1:4500"), json),
                &allowed
            )),
            200
        );
        assert_eq!(
            status(check_login(
                &login(Some("https://dash.example:8443"), json),
                &allowed
            )),
            200
        );
        // Anything else, whatever its content type: 403.
        for foreign in [
            "http://evil.example",
            "https://127.0.0.1:4500",
            "http://127.0.0.1:4501",
            "null",
        ] {
            assert_eq!(
                status(check_login(&login(Some(foreign), json), &allowed)),
                403,
                "{foreign}"
            );
            assert_eq!(
                status(check_login(
                    &login(Some(foreign), Some("text/plain")),
                    &allowed
                )),
                403
            );
        }
        // A simple (preflight-free) content type is 415 even without an Origin.
        assert_eq!(
            status(check_login(&login(None, Some("text/plain")), &allowed)),
            415
        );
        assert_eq!(status(check_login(&login(None, None), &allowed)), 415);
    }

    #[test]
    fn the_login_preflight_is_granted_only_to_allowed_origins() {
        let allowed = vec!["https://dash.example:8443/".to_owned()];
        let header = |r: &HttpResponse, name: &str| {
            r.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let granted = login_preflight(&login(Some("https://dash.example:8443"), None), &allowed);
        assert_eq!(granted.status, 204);
        assert_eq!(
            header(&granted, "Access-Control-Allow-Origin").as_deref(),
            Some("https://dash.example:8443")
        );
        for other in [Some("http://evil.example"), None] {
            let refused = login_preflight(&login(other, None), &allowed);
            assert_eq!(header(&refused, "Access-Control-Allow-Origin"), None);
            assert_eq!(header(&refused, "Access-Control-Allow-Methods"), None);
        }
    }
}
