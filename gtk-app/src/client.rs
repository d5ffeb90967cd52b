//! The client side: the `psmonitor-client` contract the app is written against.

pub use psmonitor_client::{
    ClientConfig, ClientError, HistoryData, TrustError, Watch, WatchEvent, WatchOptions, watch,
};

/// The watch options of every window: the detailed stream (per-core, disks, sensors, GPUs,
/// battery, processes), `/network` every second, and the graphs' window of history from
/// `/history` on each (re)connection.
pub fn watch_options() -> WatchOptions {
    WatchOptions {
        history: Some(crate::history::WINDOW),
        detail: true,
        ..WatchOptions::default()
    }
}

/// Remembers in `known_servers` (a `known-servers.toml`, as `psmonitor get --fingerprint`
/// writes it) that the `https://` server at `server` is trusted with the certificate
/// `fingerprint`, so the next connection, in this run or a later one, trusts it without asking.
pub fn remember_certificate(
    known_servers: Option<&std::path::Path>,
    server: &str,
    fingerprint: psmonitor_client::Fingerprint,
) -> Result<(), String> {
    use psmonitor_client::{Endpoint, KnownServers};
    let ep = Endpoint::parse(server).map_err(|e| e.to_string())?;
    let path =
        known_servers.ok_or("neither XDG_CONFIG_HOME nor HOME is set: nowhere to remember it")?;
    let mut known = KnownServers::load(path).map_err(|e| e.to_string())?;
    known.insert(&KnownServers::key(&ep.host, ep.port), fingerprint);
    known.save().map_err(|e| e.to_string())
}
