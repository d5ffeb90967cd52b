//! Where the server listens: `--address` as an IP address or a host name (`localhost`), a name
//! listened on at every address it resolves to, all on one port.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};

use crate::ServerError;
use crate::config::ServerConfig;

/// A `--address` that names no address.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The name could not be resolved.
    #[error(
        "cannot listen on {host:?}: no such host name ({source}); give an IP address such as 127.0.0.1 or 0.0.0.0"
    )]
    Unknown {
        /// The name given.
        host: String,
        /// What the resolver said.
        source: std::io::Error,
    },
    /// The name resolved to no address.
    #[error("cannot listen on {0:?}: the name has no address")]
    Empty(String),
}

/// The addresses `host` names: itself when it is an IP address (with or without `[]`), else
/// every address the system resolver gives for it, IPv4 ones first, without repeats.
pub fn resolve(host: &str) -> Result<Vec<IpAddr>, ResolveError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let found = (bare, 0u16)
        .to_socket_addrs()
        .map_err(|source| ResolveError::Unknown {
            host: host.to_owned(),
            source,
        })?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for addr in found {
        if !addresses.contains(&addr.ip()) {
            addresses.push(addr.ip());
        }
    }
    // Stable: the resolver's order within each family.
    addresses.sort_by_key(IpAddr::is_ipv6);
    if addresses.is_empty() {
        return Err(ResolveError::Empty(host.to_owned()));
    }
    Ok(addresses)
}

/// Binds `config.address` and every one of `config.also_listen`, all on one port (with port 0,
/// the one the first address got). An extra address this host does not have (e.g. `::1` without
/// IPv6) is skipped with a warning; any other failure is an error.
pub fn bind_all(config: &ServerConfig) -> Result<Vec<TcpListener>, ServerError> {
    // With port 0 another program may hold the picked port on an extra address: pick again.
    for _ in 0..8 {
        match try_bind_all(config) {
            Err(BindAll::Retry) => continue,
            Err(BindAll::Failed(e)) => return Err(e),
            Ok(listeners) => return Ok(listeners),
        }
    }
    Err(ServerError::Bind {
        addr: SocketAddr::new(config.address, config.port),
        source: std::io::Error::new(
            ErrorKind::AddrInUse,
            "no port was free on every address of the host name",
        ),
    })
}

enum BindAll {
    Retry,
    Failed(ServerError),
}

fn try_bind_all(config: &ServerConfig) -> Result<Vec<TcpListener>, BindAll> {
    let first = bind_one(SocketAddr::new(config.address, config.port)).map_err(BindAll::Failed)?;
    let port = first
        .local_addr()
        .map_err(|e| BindAll::Failed(e.into()))?
        .port();
    let mut listeners = vec![first];
    for &ip in &config.also_listen {
        let addr = SocketAddr::new(ip, port);
        match TcpListener::bind(addr) {
            Ok(listener) => listeners.push(listener),
            Err(e) if e.kind() == ErrorKind::AddrNotAvailable => {
                tracing::warn!(%addr, "not listening on {addr}: this host has no such address ({e})");
            }
            Err(e) if e.kind() == ErrorKind::AddrInUse && config.port == 0 => {
                return Err(BindAll::Retry);
            }
            Err(source) => return Err(BindAll::Failed(ServerError::Bind { addr, source })),
        }
    }
    Ok(listeners)
}

fn bind_one(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr).map_err(|source| ServerError::Bind { addr, source })
}

/// Connections the kernel queues for a listener before the server accepts them (the kernel caps
/// it at `net.core.somaxconn`, 4096 by default). The standard library listens with 128: a burst
/// of connects past that has its SYNs dropped, and each such client waits a second for its SYN
/// to be sent again. nginx listens with 511, Go and tokio with more.
pub const ACCEPT_BACKLOG: i32 = 1024;

/// Deepens `listener`'s queue to [`ACCEPT_BACKLOG`] (on Linux `listen(2)` again on a listening
/// socket only sets its backlog). A failure is logged and the listener kept as it is.
pub fn deepen_backlog(listener: &TcpListener) {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::net::listen(listener, ACCEPT_BACKLOG) {
        tracing::warn!("cannot deepen the accept queue to {ACCEPT_BACKLOG}: {e}");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = listener;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst of connects that nobody accepts yet is queued, not dropped: past the standard
    /// library's 128, a dropped SYN would hold its `connect` for a second.
    #[test]
    fn the_accept_queue_holds_a_burst_of_connects() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        deepen_backlog(&listener);
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        for n in 0..300 {
            match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500))
            {
                Ok(stream) => held.push(stream),
                Err(e) => panic!("connect {n} of 300 with nothing accepted: {e}"),
            }
        }
    }

    #[test]
    fn ip_addresses_are_taken_as_they_are() {
        assert_eq!(
            resolve("0.0.0.0").unwrap(),
            ["0.0.0.0".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            resolve("[::1]").unwrap(),
            ["::1".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn localhost_names_the_loopback_addresses_ipv4_first() {
        let found = resolve("localhost").unwrap();
        assert!(found.iter().all(|ip| ip.is_loopback()), "{found:?}");
        assert!(found.contains(&"127.0.0.1".parse().unwrap()), "{found:?}");
        let first_v6 = found
            .iter()
            .position(IpAddr::is_ipv6)
            .unwrap_or(found.len());
        assert!(found[..first_v6].iter().all(IpAddr::is_ipv4), "{found:?}");
    }
}
