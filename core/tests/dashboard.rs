//! The web dashboard's files go through the hub like any request: `GET /` and `/assets/...`
//! answer with their content type and security headers, revalidate with `If-None-Match`, and
//! every JSON route keeps its exact answer, CORS included.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, UNIX_EPOCH};

use psmonitor_core::auth::{AccountEntropy, Argon2Params, create_account};
use psmonitor_core::hub::{
    CONTENT_SECURITY_POLICY, HttpRequest, HttpResponse, Hub, HubConfig, Input, Now, Output, ReqId,
};

fn now() -> Now {
    #[allow(clippy::disallowed_methods)]
    let mono = Instant::now();
    Now {
        mono,
        wall: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    }
}

fn hub() -> Hub {
    let entropy = AccountEntropy {
        user_id: [1; 16],
        password: [2; 32],
        salt: [3; 16],
        jwt_secret: [4; 32],
    };
    let made = create_account(&entropy, None, Argon2Params::testing()).expect("account");
    Hub::new(HubConfig::default(), made.account, [5; 32], now())
}

fn get(hub: &mut Hub, method: &str, path: &str, if_none_match: Option<&str>) -> HttpResponse {
    let request = HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: None,
        authorization: None,
        host: Some("127.0.0.1:4500".to_owned()),
        body: Vec::new(),
        peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
        secure: false,
        if_none_match: if_none_match.map(str::to_owned),
        content_type: None,
        origin: None,
        accept: None,
    };
    hub.handle_input(
        now(),
        Input::Request {
            req: ReqId(1),
            request,
        },
    );
    match hub.poll_output() {
        Output::Respond { req, response } => {
            assert_eq!(req, ReqId(1));
            response
        }
        other => panic!("expected a response, got {other:?}"),
    }
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn root_serves_the_page_with_security_headers() {
    let mut hub = hub();
    let page = get(&mut hub, "GET", "/", None);
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(
        page.body.contains("<!doctype html>"),
        "{}",
        &page.body[..40]
    );
    assert!(page.body.contains("/assets/app.js"));
    assert_eq!(
        header(&page, "Content-Security-Policy"),
        Some(CONTENT_SECURITY_POLICY)
    );
    assert_eq!(header(&page, "X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(header(&page, "Referrer-Policy"), Some("no-referrer"));
    assert!(header(&page, "Cache-Control").is_some());
    let tag = header(&page, "ETag").expect("etag").to_owned();

    let again = get(&mut hub, "GET", "/", Some(&tag));
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert_eq!(header(&again, "ETag"), Some(tag.as_str()));
}

#[test]
fn the_page_has_no_inline_script_or_style_and_names_no_other_host() {
    let mut hub = hub();
    let page = get(&mut hub, "GET", "/", None);
    assert!(!page.body.contains("<script>"), "inline script");
    assert!(!page.body.contains("<style"), "inline style");
    assert!(!page.body.contains(" style="), "style attribute");
    assert!(!page.body.contains("//"), "a URL with a host");
}

#[test]
fn assets_have_their_types() {
    let mut hub = hub();
    for (path, content_type) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let response = get(&mut hub, "GET", path, None);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.content_type, content_type, "{path}");
        assert!(!response.body.is_empty());
    }
}

#[test]
fn other_methods_on_a_file_get_405_json() {
    let mut hub = hub();
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let response = get(&mut hub, method, "/", None);
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.content_type, "application/json");
        assert_eq!(header(&response, "Allow"), Some("GET"));
        assert_eq!(&*response.body, r#"{"error":"method not allowed"}"#);
    }
}

#[test]
fn unknown_assets_and_json_routes_answer_as_before() {
    let mut hub = hub();
    for path in [
        "/assets/missing.js",
        "/assets/",
        "/index.html",
        "/assets/app.js/",
    ] {
        let response = get(&mut hub, "GET", path, None);
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.content_type, "application/json");
        assert_eq!(&*response.body, r#"{"error":"not found"}"#);
        assert_eq!(header(&response, "Access-Control-Allow-Origin"), Some("*"));
    }
    let system = get(&mut hub, "GET", "/system", None);
    assert_eq!(system.status, 401);
    assert_eq!(system.content_type, "application/json");
    assert_eq!(header(&system, "Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(header(&system, "Content-Security-Policy"), None);
    // (The login's own preflight is granted only to --cors-origin: hub/origins.rs.)
    let preflight = get(&mut hub, "OPTIONS", "/worker", None);
    assert_eq!(preflight.status, 204);
    assert_eq!(
        header(&preflight, "Access-Control-Allow-Methods"),
        Some("POST, OPTIONS")
    );
}

#[test]
fn every_file_under_web_assets_is_served() {
    let mut hub = hub();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("core/web/assets") {
        let name = entry.expect("entry").file_name();
        let name = name.to_str().expect("utf-8 name");
        let path = format!("/assets/{name}");
        let response = get(&mut hub, "GET", &path, None);
        assert_eq!(
            response.status, 200,
            "{path} is not in core/src/hub/assets.rs"
        );
        let on_disk = std::fs::read_to_string(dir.join(name)).expect("read");
        assert_eq!(&*response.body, on_disk, "{path}");
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} files");
}
