//! The websocket half of the hub: pairing a connection with its worker and holding its slot.
//!
//! A slot is held only by a paired connection, from `Connected` until `Disconnected` or the hub's
//! own `Close`; every refusal closes at once and holds nothing.

use std::net::IpAddr;

use super::{ConnId, Hub, Output};
use crate::query::value as query_value;
use crate::workers::Credential;

/// Close reason when every slot is taken.
pub const FULL_CAPACITY: &str = "Server is at full capacity. Please try again later.";

/// Close reason of a stream whose API token was revoked.
pub const TOKEN_REVOKED: &str = "Token revoked";
/// Close reason of a password session's stream after a credentials reset.
pub const CREDENTIALS_CHANGED: &str = "Credentials changed: log in again";

impl Hub {
    /// Ends the stream `conn` with 1008 and `reason`, freeing its slot.
    fn end_stream(&mut self, conn: ConnId, reason: &'static str) {
        self.conns.remove(&conn);
        self.detailed.remove(&conn);
        self.token_streams.remove(&conn);
        self.close(conn, 1008, reason);
    }

    /// The API tokens changed: streams opened with a token no longer there end.
    pub(super) fn handle_tokens_changed(&mut self, tokens: Vec<crate::auth::api_token::ApiToken>) {
        self.tokens.replace(tokens);
        let revoked: Vec<ConnId> = self
            .token_streams
            .iter()
            .filter(|(_, hash)| !self.tokens.holds(hash))
            .map(|(&conn, _)| conn)
            .collect();
        for conn in revoked {
            self.end_stream(conn, TOKEN_REVOKED);
        }
    }

    /// The token-signing key changed (a credentials reset): password sessions' streams end;
    /// streams opened with an API token stay (its revocation ends them).
    pub(super) fn end_session_streams(&mut self) {
        let sessions: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|conn| !self.token_streams.contains_key(conn))
            .copied()
            .collect();
        for conn in sessions {
            self.end_stream(conn, CREDENTIALS_CHANGED);
        }
    }
}

impl Hub {
    pub(super) fn handle_connected(&mut self, conn: ConnId, query: Option<&str>, _peer: IpAddr) {
        if self.conns.contains(&conn) {
            // The driver reused a live id: keep the paired connection, ignore the duplicate.
            return;
        }
        if self.shutting_down {
            self.close(conn, 1001, "Server is shutting down");
            return;
        }
        if self.conns.len() >= self.config.max_connections {
            self.close(conn, 1013, FULL_CAPACITY);
            return;
        }
        let id = query_value(query, "id");
        let subscriber = query_value(query, "subscriber");
        let credential = match self.workers.claim(id, subscriber, self.now.mono) {
            Ok(credential) => credential,
            Err(err) => {
                self.close(conn, 1008, err.reason());
                return;
            }
        };
        if let Credential::ApiToken(hash) = credential {
            if !self.tokens.holds(&hash) {
                // Revoked between `POST /worker` and this claim.
                self.close(conn, 1008, TOKEN_REVOKED);
                return;
            }
            self.token_streams.insert(conn, hash);
        }
        self.conns.insert(conn);
        if query_value(query, "detail") == Some("full") {
            self.detailed.insert(conn);
        }
        self.out.push_back(Output::Send {
            conn,
            frame: self.greeting.clone(),
        });
    }
}
