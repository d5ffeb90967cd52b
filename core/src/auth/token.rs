//! Access tokens: HS256 JWTs with `sub`, `iat`, `exp` and `type: "access"`, checked against an
//! injected wall clock (the crate's own clock is never consulted).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Account;

/// The `type` claim of access tokens.
const ACCESS: &str = "access";

/// A signed access token; redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// The compact JWT text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Expiry, seconds since the UNIX epoch.
    pub exp: u64,
    /// Issue time, seconds since the UNIX epoch.
    pub iat: u64,
    /// Always `access` for tokens this server accepts.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the session began with a password, seconds since the UNIX epoch; refreshed tokens
    /// carry it on, so a session ends a fixed time after its login. Absent in tokens from
    /// before sessions existed: their `iat` stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
}

impl Claims {
    /// When the session began.
    #[must_use]
    pub fn session_start(&self) -> u64 {
        self.auth_time.unwrap_or(self.iat)
    }
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The wall clock is before 1970.
    #[error("wall clock is before the unix epoch")]
    ClockBeforeEpoch,
    /// The JWT library failed to sign.
    #[error("signing failed: {0}")]
    Sign(jsonwebtoken::errors::Error),
}

/// Why a session could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The session is older than its lifetime: the password is needed again.
    #[error("session expired: log in again")]
    SessionExpired,
    /// The token could not be signed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// Why a request's token was refused; the `Display` text is the 401 body's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header.
    #[error("missing authorization header")]
    MissingHeader,
    /// The header is not `Bearer <token>`.
    #[error("authorization header is not a bearer token")]
    NotBearer,
    /// The token is not a well-formed JWT with our claims.
    #[error("malformed token")]
    Malformed,
    /// The signature does not verify, or the algorithm is not HS256 (`none` included).
    #[error("invalid token signature")]
    BadSignature,
    /// The token's `exp` has passed.
    #[error("token expired")]
    Expired,
    /// The token is not an access token.
    #[error("wrong token type")]
    WrongType,
    /// The token names a user that is not this server's account.
    #[error("unknown token subject")]
    UnknownSubject,
}

fn unix_secs(wall: SystemTime) -> Option<u64> {
    wall.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Signs an access token for `account` valid for `ttl` from `now`, starting a session.
pub fn issue_token(
    account: &Account,
    now: SystemTime,
    ttl: Duration,
) -> Result<AccessToken, IssueError> {
    let iat = unix_secs(now).ok_or(IssueError::ClockBeforeEpoch)?;
    sign(account, iat, iat.saturating_add(ttl.as_secs()), iat)
}

/// Signs a new token for the session of `claims` (already validated), valid for `ttl` from `now`
/// but never past the session's end, `lifetime` after its login.
pub fn refresh_token(
    account: &Account,
    claims: &Claims,
    now: SystemTime,
    ttl: Duration,
    lifetime: Duration,
) -> Result<AccessToken, RefreshError> {
    let iat = unix_secs(now).ok_or(IssueError::ClockBeforeEpoch)?;
    let start = claims.session_start();
    let end = start.saturating_add(lifetime.as_secs());
    if iat >= end {
        return Err(RefreshError::SessionExpired);
    }
    let exp = iat.saturating_add(ttl.as_secs()).min(end);
    Ok(sign(account, iat, exp, start)?)
}

fn sign(account: &Account, iat: u64, exp: u64, auth_time: u64) -> Result<AccessToken, IssueError> {
    let claims = Claims {
        sub: account.user_id.clone(),
        exp,
        iat,
        kind: ACCESS.to_owned(),
        auth_time: Some(auth_time),
    };
    let key = EncodingKey::from_secret(&account.jwt_secret.0);
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map(AccessToken)
        .map_err(IssueError::Sign)
}

/// Checks an `Authorization` header value against `account` at wall time `now`.
pub fn validate_bearer(
    authorization: Option<&str>,
    account: &Account,
    now: SystemTime,
) -> Result<Claims, TokenError> {
    let header = authorization.ok_or(TokenError::MissingHeader)?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(TokenError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::NotBearer);
    }
    let claims = validate_token(token.trim(), account, now)?;
    Ok(claims)
}

/// The `alg` of a compact JWT's header, read before any library call so `none` and other
/// algorithms are refused as bad signatures rather than as parse errors.
fn header_alg(token: &str) -> Result<String, TokenError> {
    #[derive(Deserialize)]
    struct RawHeader {
        alg: String,
    }
    let mut parts = token.split('.');
    let (Some(head), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(head)
        .map_err(|_| TokenError::Malformed)?;
    let raw: RawHeader = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    Ok(raw.alg)
}

fn validate_token(token: &str, account: &Account, now: SystemTime) -> Result<Claims, TokenError> {
    if header_alg(token)? != "HS256" {
        return Err(TokenError::BadSignature);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(&account.jwt_secret.0);
    let data =
        jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName => TokenError::BadSignature,
            _ => TokenError::Malformed,
        })?;
    let claims = data.claims;
    let now = unix_secs(now).ok_or(TokenError::Expired)?;
    if now >= claims.exp {
        return Err(TokenError::Expired);
    }
    if claims.kind != ACCESS {
        return Err(TokenError::WrongType);
    }
    if claims.sub != account.user_id {
        return Err(TokenError::UnknownSubject);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::JwtSecret;

    fn account(secret: u8) -> Account {
        Account {
            user_id: "3f1c2d4e-0000-4000-8000-000000000001".to_owned(),
            username: "PSMonitor".to_owned(),
            password_hash: String::new(),
            jwt_secret: JwtSecret([secret; 32]),
        }
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    fn sign_raw(claims: &serde_json::Value, secret: u8, alg: Algorithm) -> String {
        let key = EncodingKey::from_secret(&[secret; 32]);
        jsonwebtoken::encode(&Header::new(alg), claims, &key).unwrap()
    }

    #[test]
    fn issued_token_validates_until_exp() {
        let acc = account(1);
        let token = issue_token(&acc, at(1_000), Duration::from_secs(60)).unwrap();
        let header = bearer(token.as_str());
        let claims = validate_bearer(Some(&header), &acc, at(1_059)).unwrap();
        assert_eq!(claims.sub, acc.user_id);
        assert_eq!((claims.iat, claims.exp), (1_000, 1_060));
        assert_eq!(claims.kind, "access");
        assert_eq!(
            validate_bearer(Some(&header), &acc, at(1_060)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn missing_and_non_bearer_headers() {
        let acc = account(1);
        assert_eq!(
            validate_bearer(None, &acc, at(0)),
            Err(TokenError::MissingHeader)
        );
        assert_eq!(
            validate_bearer(Some("Basic dXNlcjpwYXNz"), &acc, at(0)),
            Err(TokenError::NotBearer)
        );
        assert_eq!(
            validate_bearer(Some("Bearer"), &acc, at(0)),
            Err(TokenError::NotBearer)
        );
        assert_eq!(
            validate_bearer(Some("Bearer not.a.jwt"), &acc, at(0)),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            validate_bearer(Some("Bearer abc"), &acc, at(0)),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn alg_none_is_a_bad_signature() {
        let acc = account(1);
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"sub":"{}","exp":99999999999,"iat":0,"type":"access"}}"#,
                acc.user_id
            )
            .as_bytes(),
        );
        for token in [format!("{head}.{body}."), format!("{head}.{body}.c2ln")] {
            assert_eq!(
                validate_bearer(Some(&bearer(&token)), &acc, at(10)),
                Err(TokenError::BadSignature)
            );
        }
    }

    #[test]
    fn other_secret_and_other_alg_are_bad_signatures() {
        let acc = account(1);
        let claims =
            serde_json::json!({"sub": acc.user_id, "exp": 2_000, "iat": 0, "type": "access"});
        let foreign = sign_raw(&claims, 2, Algorithm::HS256);
        assert_eq!(
            validate_bearer(Some(&bearer(&foreign)), &acc, at(10)),
            Err(TokenError::BadSignature)
        );
        let hs512 = sign_raw(&claims, 1, Algorithm::HS512);
        assert_eq!(
            validate_bearer(Some(&bearer(&hs512)), &acc, at(10)),
            Err(TokenError::BadSignature)
        );
        let good = sign_raw(&claims, 1, Algorithm::HS256);
        assert!(validate_bearer(Some(&bearer(&good)), &acc, at(10)).is_ok());
    }

    #[test]
    fn wrong_type_subject_and_missing_claims() {
        let acc = account(1);
        let refresh =
            serde_json::json!({"sub": acc.user_id, "exp": 2_000, "iat": 0, "type": "refresh"});
        let token = sign_raw(&refresh, 1, Algorithm::HS256);
        assert_eq!(
            validate_bearer(Some(&bearer(&token)), &acc, at(10)),
            Err(TokenError::WrongType)
        );
        let stranger =
            serde_json::json!({"sub": "someone", "exp": 2_000, "iat": 0, "type": "access"});
        let token = sign_raw(&stranger, 1, Algorithm::HS256);
        assert_eq!(
            validate_bearer(Some(&bearer(&token)), &acc, at(10)),
            Err(TokenError::UnknownSubject)
        );
        let no_exp = serde_json::json!({"sub": acc.user_id, "iat": 0, "type": "access"});
        let token = sign_raw(&no_exp, 1, Algorithm::HS256);
        assert_eq!(
            validate_bearer(Some(&bearer(&token)), &acc, at(10)),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = issue_token(&account(1), at(5), Duration::from_secs(60)).unwrap();
        let shown = format!("{token:?}");
        assert!(!shown.contains(token.as_str()));
    }

    #[test]
    fn a_refreshed_token_keeps_the_session_start_and_ends_with_the_session() {
        let acc = account(1);
        let ttl = Duration::from_secs(60);
        let lifetime = Duration::from_secs(3600);
        let first = issue_token(&acc, at(1_000), ttl).unwrap();
        let claims = validate_bearer(Some(&bearer(first.as_str())), &acc, at(1_010)).unwrap();
        assert_eq!(claims.session_start(), 1_000);
        let second = refresh_token(&acc, &claims, at(1_050), ttl, lifetime).unwrap();
        let claims = validate_bearer(Some(&bearer(second.as_str())), &acc, at(1_060)).unwrap();
        assert_eq!(
            (claims.iat, claims.exp, claims.session_start()),
            (1_050, 1_110, 1_000)
        );
        // Near the end, the token is cut at the session's end; after it, no refresh.
        let late = refresh_token(&acc, &claims, at(4_580), ttl, lifetime).unwrap();
        let late = validate_bearer(Some(&bearer(late.as_str())), &acc, at(4_590)).unwrap();
        assert_eq!(late.exp, 4_600);
        assert!(matches!(
            refresh_token(&acc, &late, at(4_600), ttl, lifetime),
            Err(RefreshError::SessionExpired)
        ));
    }

    #[test]
    fn tokens_without_auth_time_start_their_session_at_iat() {
        let claims = serde_json::json!({"sub": "x", "exp": 10, "iat": 5, "type": "access"});
        let claims: Claims = serde_json::from_value(claims).unwrap();
        assert_eq!(claims.session_start(), 5);
    }
}
