//! Which scheme an address typed without one speaks: https is tried first, then http.
//!
//! The probe is one TLS handshake (and a `GET /`) to the address: it speaks https when the
//! handshake completes, or fails only because nothing vouches for the certificate (a self-signed
//! one). It blocks up to the client's timeouts: call it off the main thread.

use psmonitor_client::{ClientError, ClientTrust, Endpoint, HttpConnection};

/// Whether `authority` (`host:port`) completes a TLS handshake.
pub fn speaks_tls(authority: &str) -> bool {
    let Ok(endpoint) = Endpoint::parse(&format!("https://{authority}")) else {
        return false;
    };
    let mut conn = HttpConnection::with_trust(endpoint, &ClientTrust::default());
    match futures_lite::future::block_on(conn.request("GET", "/", None, None)) {
        Ok(_) => true,
        Err(ClientError::Trust(_)) => true,
        Err(_) => false,
    }
}

/// The part after `scheme://`, without a trailing slash.
pub fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.trim_end_matches('/')
}

/// `typed` with its scheme: as typed when it has one, else `https://` when the address speaks
/// TLS and `http://` when it does not (or cannot be reached: the connection then says so).
pub fn resolve(typed: &str) -> String {
    let typed = typed.trim().trim_end_matches('/');
    if typed.contains("://") {
        return typed.to_owned();
    }
    if speaks_tls(typed) {
        format!("https://{typed}")
    } else {
        format!("http://{typed}")
    }
}

/// Whether `typed` names its scheme (else [`resolve`] probes).
pub fn has_scheme(typed: &str) -> bool {
    typed.contains("://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use psmonitor_core::auth::Argon2Params;
    use psmonitor_server::config::TlsMode;

    fn server(tls: TlsMode) -> (psmonitor_server::ServerHandle, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let account = psmonitor_server::testing::create_test_account(
            dir.path(),
            "pw",
            Argon2Params::testing(),
        );
        let mut cfg = psmonitor_server::testing::test_config(dir.path());
        cfg.tls = tls;
        let host = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/hosts/amd-k10temp.json");
        (
            psmonitor_server::testing::spawn_fixture(cfg, account, &host),
            dir,
        )
    }

    #[test]
    fn a_tls_server_is_https_and_a_plain_one_http() {
        let (tls, _a) = server(TlsMode::On);
        let (plain, _b) = server(TlsMode::Off);
        let t = tls.addr().to_string();
        let p = plain.addr().to_string();
        assert_eq!(resolve(&t), format!("https://{t}"));
        assert_eq!(resolve(&format!("{p}/")), format!("http://{p}"));
        // A scheme typed is kept, even a wrong one (the connection then says what is wrong).
        assert_eq!(resolve(&format!("http://{t}")), format!("http://{t}"));
        let _ = tls.stop();
        let _ = plain.stop();
    }

    #[test]
    fn nothing_listening_is_http() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert_eq!(
            resolve(&format!("127.0.0.1:{port}")),
            format!("http://127.0.0.1:{port}")
        );
    }

    #[test]
    fn authority_drops_the_scheme_and_slash() {
        assert_eq!(authority("https://h:1/"), "h:1");
        assert_eq!(authority("h:1"), "h:1");
    }
}
