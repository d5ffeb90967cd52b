//! The request-body and argument decoders: the login body (`POST /authenticate`; `/refresh` and
//! `/worker` take none, their credential is the `Authorization` header), and the token name and
//! scope of `psmonitor token create`.

use psmonitor_core::auth::api_token::{TokenScope, valid_name};
use psmonitor_core::hub::fuzzing::parse_login;

/// Decodes `data` as a login body, and as a token name and scope (lossily UTF-8).
///
/// A decoded login round-trips: the same username and password re-encoded decode to themselves.
/// A valid name is 1 to 64 URL-safe bytes; a parsed scope prints as the text it came from.
pub fn bodies(data: &[u8]) {
    if let Ok((username, password)) = parse_login(data) {
        let again = serde_json::json!({"username": username, "password": password.as_str()});
        let (u, p) = parse_login(again.to_string().as_bytes()).expect("a re-encoded login parses");
        assert_eq!(
            (u.as_str(), p.as_str()),
            (username.as_str(), password.as_str())
        );
    }
    let text = String::from_utf8_lossy(data);
    if valid_name(&text) {
        assert!((1..=64).contains(&text.len()));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }
    if let Some(scope) = TokenScope::parse(&text) {
        assert_eq!(scope.as_str(), text);
    }
}
