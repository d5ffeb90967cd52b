//! The `Authorization` header: the bearer split, API-token recognition and JWT validation.

use std::time::Duration;

use psmonitor_core::auth::api_token::{hash_token, is_api_token};
use psmonitor_core::auth::{JwtSecret, RefreshError, TokenError, refresh_token, validate_bearer};
use psmonitor_core::hub::fuzzing::bearer;

use crate::{NOW_UNIX, account, wall};

/// Checks `data` (lossily UTF-8) as an `Authorization` header value.
///
/// The hub's bearer split and the validator agree on what is a bearer credential; a token that
/// validates names the account, is an unexpired access token, fails under any other secret, and
/// refreshes into a token that validates too (until its session ends).
pub fn authorization(data: &[u8]) {
    let header = String::from_utf8_lossy(data);
    let account = account();
    let now = wall(NOW_UNIX);
    let result = validate_bearer(Some(&header), &account, now);
    let credential = bearer(Some(&header));
    assert_eq!(
        credential.is_none(),
        result == Err(TokenError::NotBearer),
        "the hub and the validator disagree on the bearer scheme"
    );
    if let Some(credential) = credential
        && is_api_token(credential)
    {
        assert!(credential.starts_with("psm_"));
        assert_ne!(hash_token(credential), hash_token(&header));
    }
    let Ok(claims) = result else {
        return;
    };
    assert_eq!(claims.sub, account.user_id);
    assert_eq!(claims.kind, "access");
    assert!(claims.exp > NOW_UNIX);
    let mut other = account.clone();
    other.jwt_secret = JwtSecret([8; 32]);
    assert_eq!(
        validate_bearer(Some(&header), &other, now),
        Err(TokenError::BadSignature),
        "a token validated under two secrets"
    );
    let ttl = Duration::from_secs(60);
    match refresh_token(&account, &claims, now, ttl, Duration::from_secs(3600)) {
        Ok(token) => {
            let renewed =
                validate_bearer(Some(&format!("Bearer {}", token.as_str())), &account, now);
            let renewed = renewed.expect("a refreshed token validates");
            assert_eq!(renewed.session_start(), claims.session_start());
        }
        Err(RefreshError::SessionExpired) => {
            assert!(claims.session_start().saturating_add(3600) <= NOW_UNIX);
        }
        Err(RefreshError::Issue(err)) => panic!("refresh failed: {err}"),
    }
}
