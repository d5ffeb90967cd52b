//! `Debug` for the wire types that carry secrets: bearer tokens, login bodies, worker ids in
//! queries and token-bearing response bodies never reach a log through `{:?}`.

use std::fmt;

use super::{HttpRequest, HttpResponse, Input};

/// Shows whether an optional secret was there, never its text.
fn presence(value: Option<&String>) -> &'static str {
    match value {
        Some(_) => "Some(<redacted>)",
        None => "None",
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &format_args!("{}", presence(self.query.as_ref())))
            .field(
                "authorization",
                &format_args!("{}", presence(self.authorization.as_ref())),
            )
            .field("host", &self.host)
            .field("accept", &self.accept)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("peer", &self.peer)
            .field("secure", &self.secure)
            .field("if_none_match", &self.if_none_match)
            .field("content_type", &self.content_type)
            .field("origin", &self.origin)
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("content_type", &self.content_type)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request { req, request } => f
                .debug_struct("Request")
                .field("req", req)
                .field("request", request)
                .finish(),
            Self::Connected { conn, query, peer } => f
                .debug_struct("Connected")
                .field("conn", conn)
                .field("query", &format_args!("{}", presence(query.as_ref())))
                .field("peer", peer)
                .finish(),
            Self::Disconnected { conn } => {
                f.debug_struct("Disconnected").field("conn", conn).finish()
            }
            Self::PasswordVerified { job, ok } => f
                .debug_struct("PasswordVerified")
                .field("job", job)
                .field("ok", ok)
                .finish(),
            Self::PasswordUnverified { job } => f
                .debug_struct("PasswordUnverified")
                .field("job", job)
                .finish(),
            Self::Sample(_) => f.write_str("Sample(..)"),
            Self::Timeout => f.write_str("Timeout"),
            Self::AccountChanged(account) => {
                f.debug_tuple("AccountChanged").field(account).finish()
            }
            Self::Shutdown => f.write_str("Shutdown"),
            Self::TokensChanged(tokens) => write!(f, "TokensChanged(<{} tokens>)", tokens.len()),
            Self::HistoryAnswered { req, .. } => f
                .debug_struct("HistoryAnswered")
                .field("req", req)
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;

    use super::*;
    use crate::hub::{ConnId, Output, ReqId};

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let request = HttpRequest {
            method: "POST".to_owned(),
            path: "/authenticate".to_owned(),
            query: Some("id=SECRET-WORKER".to_owned()),
            authorization: Some("Bearer SECRET-TOKEN".to_owned()),
            host: None,
            accept: None,
            body: br#"{"password":"SECRET-PASSWORD"}"#.to_vec(),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
            secure: false,
            if_none_match: None,
            content_type: Some("application/json".to_owned()),
            origin: None,
        };
        let input = Input::Request {
            req: ReqId(1),
            request,
        };
        let connected = Input::Connected {
            conn: ConnId(1),
            query: Some("id=SECRET-WORKER".to_owned()),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let output = Output::Respond {
            req: ReqId(1),
            response: HttpResponse {
                status: 200,
                headers: Vec::new(),
                body: Arc::from(r#"{"token":"SECRET-TOKEN"}"#),
                content_type: "application/json",
            },
        };
        let shown = format!("{input:?} {connected:?} {output:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            shown.contains("/authenticate") && shown.contains("<30 bytes>"),
            "{shown}"
        );
    }
}
