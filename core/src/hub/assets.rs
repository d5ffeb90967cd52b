//! The web dashboard's files, embedded at build time and served at `/` and `/assets/...` with
//! security and cache headers. The bodies live in the binary; each ETag is a BLAKE2b hash of
//! the bytes, computed by `core/build.rs`, so no body is read before a browser asks for it.

use std::sync::Arc;

use super::HttpResponse;

/// The page may load scripts, styles and images only from its own origin, fetch from and open
/// websockets to that origin only (CSP Level 3: `'self'` covers `ws:`/`wss:` to the same host and
/// port), never be framed, and never run inline script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Browsers revalidate every file with its ETag: a new server version shows at once.
const CACHE_CONTROL: &str = "no-cache";

// `const FILES: &[(url path, content type, body, quoted ETag)]`, made by `core/build.rs` from
// every file under `core/web/`.
include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// One embedded file, ready to serve.
#[derive(Debug)]
struct Asset {
    path: &'static str,
    content_type: &'static str,
    /// Read (paged in) only when a browser asks for the file.
    body: &'static str,
    /// Quoted, as it goes on the wire; hashed at build time.
    etag: &'static str,
}

/// The dashboard's files with their ETags.
#[derive(Debug)]
pub(super) struct Assets {
    files: Vec<Asset>,
}

impl Assets {
    /// The embedded files; touches neither their bodies nor any hash.
    pub(super) fn new() -> Self {
        let files = FILES
            .iter()
            .map(|&(path, content_type, body, etag)| Asset {
                path,
                content_type,
                body,
                etag,
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
            ("ETag", file.etag.to_owned()),
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
        if if_none_match.is_some_and(|header| matches_etag(header, file.etag)) {
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
            body: Arc::from(file.body),
            content_type: file.content_type,
        })
    }
}

/// `If-None-Match` semantics (RFC 9110 13.1.2): `*`, or a list with this tag, weak or strong.
fn matches_etag(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use blake2::{Blake2b256, Digest};

    use super::*;

    /// The ETag `core/build.rs` should have computed: the first 128 bits of the BLAKE2b-256 of
    /// the bytes, in hex, quoted.
    fn etag(bytes: &[u8]) -> String {
        let digest = Blake2b256::digest(bytes);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    }

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
        for &(path, content_type, body, _) in FILES {
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
            assert_eq!(tag, etag(body.as_bytes()), "{path}: the build-time ETag");
        }
    }

    #[test]
    fn the_table_has_every_dashboard_file_with_its_type() {
        let js = "text/javascript; charset=utf-8";
        let mut expected = vec![
            ("/", "text/html; charset=utf-8"),
            ("/assets/style.css", "text/css; charset=utf-8"),
            ("/assets/icon.svg", "image/svg+xml"),
        ];
        for name in [
            "app",
            "api",
            "session",
            "stream",
            "panels",
            "chart",
            "more",
            "processes",
            "format",
        ] {
            expected.push((format!("/assets/{name}.js").leak(), js));
        }
        let mut served: Vec<(&str, &str)> = FILES.iter().map(|f| (f.0, f.1)).collect();
        expected.sort();
        served.sort();
        assert_eq!(served, expected);
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
        let tags: std::collections::BTreeSet<&str> = assets.files.iter().map(|f| f.etag).collect();
        assert_eq!(tags.len(), FILES.len());
        assert_eq!(etag(b"a"), etag(b"a"));
        assert_ne!(etag(b"a"), etag(b"b"));
    }
}
