//! The websocket half of the hub: pairing a connection with its worker and holding its slot.
//!
//! A slot is held only by a paired connection, from `Connected` until `Disconnected` or the hub's
//! own `Close`; every refusal closes at once and holds nothing.

use std::net::IpAddr;

use super::{ConnId, Hub, Output};

/// Close reason when every slot is taken.
pub const FULL_CAPACITY: &str = "Server is at full capacity. Please try again later.";

/// The first value of `key` in a raw query string (no percent-decoding: ids and user ids are
/// URL-safe as issued).
pub fn query_value<'q>(query: Option<&'q str>, key: &str) -> Option<&'q str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
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
        if let Err(err) = self.workers.claim(id, subscriber, self.now.mono) {
            self.close(conn, 1008, err.reason());
            return;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values() {
        let q = Some("id=abc&subscriber=u-1&id=other");
        assert_eq!(query_value(q, "id"), Some("abc"));
        assert_eq!(query_value(q, "subscriber"), Some("u-1"));
        assert_eq!(query_value(q, "missing"), None);
        assert_eq!(query_value(None, "id"), None);
        assert_eq!(query_value(Some("id"), "id"), None);
        assert_eq!(query_value(Some("id=&x=1"), "id"), Some(""));
    }
}
