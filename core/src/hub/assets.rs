//! The web dashboard's files, embedded at build time and served at `/` and `/assets/...` with
//! security and cache headers. The bodies live in the binary; each ETag is a BLAKE2b hash of
//! the bytes, computed once when the hub starts (hashing is pure, so the core may do it).

use std::sync::Arc;

use blake2::{Blake2b256, Digest};

use super::HttpResponse;

/// The page may load scripts, styles and images only from its own origin, fetch from and open
/// websockets to that origin only (CSP Level 3: `'self'` covers `ws:`/`wss:` to the same host and
/// port), never be framed, and never run inline script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Browsers revalidate every file with its ETag: a new server version shows at once.
const CACHE_CONTROL: &str = "no-cache";

macro_rules! web_file {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path))
    };
}

/// URL path, content type, body: every file the dashboard needs.
const FILES: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", web_file!("index.html")),
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/app.js"),
    ),
    (
        "/assets/api.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/api.js"),
    ),
    (
        "/assets/session.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/session.js"),
    ),
    (
        "/assets/stream.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/stream.js"),
    ),
    (
        "/assets/panels.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/panels.js"),
    ),
    (
        "/assets/chart.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/chart.js"),
    ),
    (
        "/assets/more.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/more.js"),
    ),
    (
        "/assets/processes.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/processes.js"),
    ),
    (
        "/assets/format.js",
        "text/javascript; charset=utf-8",
        web_file!("assets/format.js"),
    ),
    (
        "/assets/style.css",
        "text/css; charset=utf-8",
        web_file!("assets/style.css"),
    ),
    (
        "/assets/icon.svg",
        "image/svg+xml",
        web_file!("assets/icon.svg"),
    ),
];

/// One embedded file, ready to serve.
#[derive(Debug)]
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: Arc<str>,
    /// Quoted, as it goes on the wire.
    etag: String,
}

/// The dashboard's files with their ETags.
#[derive(Debug)]
pub(super) struct Assets {
    files: Vec<Asset>,
}

impl Assets {
    /// Hashes every embedded file.
    pub(super) fn new() -> Self {
        let files = FILES
            .iter()
            .map(|&(path, content_type, body)| Asset {
                path,
                content_type,
                body: Arc::from(body),
                etag: etag(body.as_bytes()),
            })
            .collect();
        Self { files }
    }

    /// Whether `path` names a dashboard file (methods other than GET then get 405).
    pub(super) fn contains(&self, path: &str) -> bool {
        self.files.iter().any(|f| f.path == path)
    }

    /// The file at `path`, or 304 when `if_none_match` already names its ETag.
    pub(super) fn respond(&self, path: &str, if_none_match: Option<&str>) -> Option<HttpResponse> {
        let file = self.files.iter().find(|f| f.path == path)?;
        let headers = vec![
            ("ETag", file.etag.clone()),
            ("Cache-Control", CACHE_CONTROL.to_owned()),
            (
                "Content-Security-Policy",
                CONTENT_SECURITY_POLICY.to_owned(),
            ),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("Referrer-Policy", "no-referrer".to_owned()),
            ("X-Frame-Options", "DENY".to_owned()),
            ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
            ("Cross-Origin-Resource-Policy", "same-origin".to_owned()),
        ];
        if if_none_match.is_some_and(|header| matches_etag(header, &file.etag)) {
            return Some(HttpResponse {
                status: 304,
                headers,
                body: Arc::from(""),
                content_type: file.content_type,
            });
        }
        Some(HttpResponse {
            status: 200,
            headers,
            body: file.body.clone(),
            content_type: file.content_type,
        })
    }
}

/// A strong ETag: the first 128 bits of the BLAKE2b-256 of the bytes, in hex, quoted.
fn etag(bytes: &[u8]) -> String {
    let digest = Blake2b256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `If-None-Match` semantics (RFC 9110 13.1.2): `*`, or a list with this tag, weak or strong.
fn matches_etag(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
        response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_file_is_served_with_its_type_and_security_headers() {
        let assets = Assets::new();
        for &(path, content_type, body) in FILES {
            let response = assets.respond(path, None).expect(path);
            assert_eq!(response.status, 200, "{path}");
            assert_eq!(response.content_type, content_type, "{path}");
            assert_eq!(&*response.body, body, "{path}");
            assert!(!body.is_empty(), "{path} is empty");
            assert_eq!(
                header(&response, "Content-Security-Policy"),
                Some(CONTENT_SECURITY_POLICY)
            );
            assert_eq!(header(&response, "X-Content-Type-Options"), Some("nosniff"));
            assert_eq!(header(&response, "Referrer-Policy"), Some("no-referrer"));
            assert_eq!(header(&response, "Cache-Control"), Some("no-cache"));
            let tag = header(&response, "ETag").expect("etag");
            assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        }
    }

    #[test]
    fn policy_forbids_inline_script_and_other_origins() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(!CONTENT_SECURITY_POLICY.contains('*'));
        assert!(!CONTENT_SECURITY_POLICY.contains("http"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn websockets_go_to_the_page_origin_only() {
        let connect = CONTENT_SECURITY_POLICY
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("connect-src"))
            .expect("a connect-src directive");
        assert_eq!(connect, "connect-src 'self'");
        assert!(!CONTENT_SECURITY_POLICY.contains("ws:"));
        assert!(!CONTENT_SECURITY_POLICY.contains("wss:"));
    }

    #[test]
    fn unknown_paths_are_not_assets() {
        let assets = Assets::new();
        for path in [
            "/assets/",
            "/assets/missing.js",
            "/index.html",
            "/assets/../",
            "",
        ] {
            assert!(!assets.contains(path), "{path}");
            assert!(assets.respond(path, None).is_none(), "{path}");
        }
    }

    #[test]
    fn if_none_match_gives_304_without_body() {
        let assets = Assets::new();
        let first = assets.respond("/assets/app.js", None).unwrap();
        let tag = header(&first, "ETag").unwrap().to_owned();
        for matching in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"other\", {tag}"),
            "*".to_owned(),
        ] {
            let again = assets.respond("/assets/app.js", Some(&matching)).unwrap();
            assert_eq!(again.status, 304, "{matching}");
            assert!(again.body.is_empty());
            assert_eq!(header(&again, "ETag"), Some(tag.as_str()));
        }
        for stale in ["\"0123\"", "", "W/\"x\"", tag.trim_matches('"')] {
            let fresh = assets.respond("/assets/app.js", Some(stale)).unwrap();
            assert_eq!(fresh.status, 200, "{stale}");
        }
    }

    #[test]
    fn etags_differ_between_files_and_follow_the_bytes() {
        let assets = Assets::new();
        let tags: std::collections::BTreeSet<&str> =
            assets.files.iter().map(|f| f.etag.as_str()).collect();
        assert_eq!(tags.len(), FILES.len());
        assert_eq!(etag(b"a"), etag(b"a"));
        assert_ne!(etag(b"a"), etag(b"b"));
    }
}
