//! The server's base URL: `http[s]://HOST[:PORT][/PREFIX]`.

use crate::error::ClientError;

/// Where the server listens, parsed once from the configured base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address; IPv6 without brackets.
    pub host: String,
    /// TCP port (80, or 443 for `https://`, when the URL names none).
    pub port: u16,
    /// Path prefix without a trailing slash, empty for the root.
    pub prefix: String,
    /// True for `https://` (and `wss://`): HTTP and the websocket go over TLS.
    pub tls: bool,
}

impl Endpoint {
    /// Parses `http[s]://host:port`, `ws[s]://host:port` or a bare `host:port` (plain), with an
    /// optional path prefix.
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let url = url.trim();
        let (tls, rest) = match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" | "ws" => (false, rest),
                "https" | "wss" => (true, rest),
                other => {
                    return Err(ClientError::invalid_url(
                        url,
                        format!("unsupported scheme {other:?}, use http:// or https://"),
                    ));
                }
            },
            None => (false, url),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if path.contains(['?', '#']) {
            return Err(ClientError::invalid_url(
                url,
                "a base url takes no query or fragment",
            ));
        }
        if authority.contains('@') {
            return Err(ClientError::invalid_url(
                url,
                "put credentials in the config, not the url",
            ));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = split_host_port(authority, default_port)
            .ok_or_else(|| ClientError::invalid_url(url, "expected HOST[:PORT]"))?;
        let bad_host = host.is_empty()
            || host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '/');
        if bad_host {
            return Err(ClientError::invalid_url(url, "missing host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            prefix: path.trim_end_matches('/').to_owned(),
            tls,
        })
    }

    /// The `Host` header value: `host:port`, IPv6 in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The request target of `path` (which starts with `/`) under the prefix.
    pub fn target(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// `http[s]://host:port/prefix` for messages.
    pub fn http_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority(), self.prefix)
    }

    /// The websocket URL of `path` (which starts with `/`): `wss://` when the server is `https://`.
    pub fn ws_url(&self, path: &str) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}{}", self.authority(), self.target(path))
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (authority, None),
        }
    };
    let port = match port {
        Some(text) => text.parse::<u16>().ok().filter(|p| *p != 0)?,
        None => default_port,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> (String, u16, String) {
        let e = Endpoint::parse(url).unwrap();
        (e.host, e.port, e.prefix)
    }

    #[test]
    fn parses_the_usual_forms() {
        assert_eq!(
            ok("http://127.0.0.1:4500"),
            ("127.0.0.1".into(), 4500, "".into())
        );
        assert_eq!(ok("http://host:4500/"), ("host".into(), 4500, "".into()));
        assert_eq!(ok("ws://host/psm/"), ("host".into(), 80, "/psm".into()));
        assert_eq!(ok("localhost:4500"), ("localhost".into(), 4500, "".into()));
        assert_eq!(ok("http://[::1]:4500"), ("::1".into(), 4500, "".into()));
        assert_eq!(
            Endpoint::parse("http://[::1]:9").unwrap().authority(),
            "[::1]:9"
        );
        assert_eq!(ok("https://host"), ("host".into(), 443, "".into()));
        assert_eq!(ok("wss://host:9/p"), ("host".into(), 9, "/p".into()));
    }

    #[test]
    fn https_means_tls_for_http_and_the_websocket() {
        let tls = Endpoint::parse("HTTPS://host:4500/psm").unwrap();
        assert!(tls.tls);
        assert_eq!(tls.http_url(), "https://host:4500/psm");
        assert_eq!(tls.ws_url("/connect"), "wss://host:4500/psm/connect");
        let plain = Endpoint::parse("http://host:4500").unwrap();
        assert!(!plain.tls);
        assert_eq!(plain.ws_url("/connect"), "ws://host:4500/connect");
        assert!(!Endpoint::parse("host:4500").unwrap().tls);
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "",
            "https://",
            "ftp://host",
            "http://",
            "http://host:port",
            "http://host:0",
            "http://host:99999",
            "http://u:p@host",
            "http://host/?q",
            "http://[::1",
            "http://::1:80",
        ] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert!(err.is_fatal(), "{bad}: {err}");
        }
    }
}
