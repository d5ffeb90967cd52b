//! Who may call which route: a JWT from `/authenticate` opens every route; an API token
//! (`Bearer psm_...`, DESIGN 5.3) opens `/metrics` with either scope and the read routes with
//! scope `read`. A token of scope `metrics` on a read route gets 403
//! `{"error":"token scope does not allow this route"}`; an unknown or revoked token gets 401
//! `{"error":"invalid api token"}`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::http::{error, error_with};
use super::{HttpRequest, HttpResponse, Hub, Output};
use crate::auth::api_token::{ApiToken, TokenScope, hash_token, is_api_token};
use crate::auth::validate_bearer;
use crate::workers::Credential;

/// A token's last use is reported at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The 403 message for a token whose scope does not cover the route.
pub const SCOPE_REFUSED: &str = "token scope does not allow this route";
/// The 401 message for an unknown or revoked API token.
pub const UNKNOWN_TOKEN: &str = "invalid api token";

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Need {
    /// `/system`, `/network`, `/history`, `/history/series`, `POST /worker`.
    Read,
    /// `/metrics`.
    Metrics,
}

/// The API tokens the store holds, by hash.
#[derive(Debug, Default)]
pub(super) struct Tokens {
    by_hash: BTreeMap<[u8; 32], ApiToken>,
    touched: BTreeMap<String, Instant>,
}

impl Tokens {
    /// Replaces every token (a revoked one disappears at once).
    pub(super) fn replace(&mut self, tokens: Vec<ApiToken>) {
        self.by_hash = tokens.into_iter().map(|t| (t.hash, t)).collect();
        let names: Vec<&String> = self.by_hash.values().map(|t| &t.name).collect();
        self.touched.retain(|name, _| names.contains(&name));
    }

    /// Whether the token with this SHA-256 is (still) in the store.
    pub(super) fn holds(&self, hash: &[u8; 32]) -> bool {
        self.by_hash.contains_key(hash)
    }
}

/// The bearer credential of an `Authorization` header, if it is one.
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl Hub {
    /// Whether `authorization` carries a credential valid now (a JWT from `/authenticate`, or
    /// a known API token of any scope), without recording its use: a login presenting one is
    /// the owner's and goes ahead of fresh addresses.
    pub(super) fn credential_is_valid(&self, authorization: Option<&str>) -> bool {
        match bearer(authorization) {
            None => false,
            Some(token) if is_api_token(token) => {
                self.tokens.by_hash.contains_key(&hash_token(token))
            }
            Some(_) => validate_bearer(authorization, &self.account, self.now.wall).is_ok(),
        }
    }

    /// Checks the request's credential for a route that needs `need`; returns the user id the
    /// caller acts as (the account's, for an API token).
    pub(super) fn authorize_for(
        &mut self,
        request: &HttpRequest,
        need: Need,
    ) -> Result<String, HttpResponse> {
        self.authorize(request, need).map(|(subject, _)| subject)
    }

    /// As [`Self::authorize_for`], with the credential used (an API token by its hash, a JWT by
    /// its session's login time), for quotas per credential and for ending its streams.
    pub(super) fn authorize(
        &mut self,
        request: &HttpRequest,
        need: Need,
    ) -> Result<(String, Credential), HttpResponse> {
        let Some(token) = bearer(request.authorization.as_deref()).filter(|t| is_api_token(t))
        else {
            return validate_bearer(
                request.authorization.as_deref(),
                &self.account,
                self.now.wall,
            )
            .map(|claims| {
                let credential = Credential::Session {
                    started: claims.session_start(),
                };
                (claims.sub, credential)
            })
            .map_err(super::http::unauthorized);
        };
        let Some(found) = self.tokens.by_hash.get(&hash_token(token)) else {
            return Err(error_with(
                401,
                UNKNOWN_TOKEN,
                vec![("WWW-Authenticate", "Bearer".to_owned())],
            ));
        };
        if need == Need::Read && found.scope != TokenScope::Read {
            return Err(error(403, SCOPE_REFUSED));
        }
        let name = found.name.clone();
        let credential = Credential::ApiToken(hash_token(token));
        let now = self.now.mono;
        let due = self
            .tokens
            .touched
            .get(&name)
            .is_none_or(|&at| now.saturating_duration_since(at) >= TOUCH_EVERY);
        if due {
            self.tokens.touched.insert(name.clone(), now);
            let unix_secs = self
                .now
                .wall
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            self.out.push_back(Output::TokenUsed { name, unix_secs });
        }
        Ok((self.account.user_id.clone(), credential))
    }
}
