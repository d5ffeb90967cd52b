//! Command-line interface: every `serve` flag also reads `PSMONITOR_<NAME>` from the environment.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use psmonitor_client::Fingerprint;
use psmonitor_collector::Backend;

/// Exit codes, shown at the end of `psmonitor --help`.
const EXIT_CODES: &str = "\
Exit status:
  0  success (also when the reader of the output went away, e.g. `| head -1`)
  1  any other error (bad settings, unreadable data directory, ...)
  2  the password is missing or was refused, or the command line is wrong
  3  the server cannot be reached
  4  the server's certificate is not trusted, or changed since it was pinned";

/// PSMonitor watches CPU, memory, disks, network and processes of this machine and shows them
/// to you, the desktop app, a web page or Prometheus, here or over the network.
#[derive(Debug, Parser)]
#[command(name = "psmonitor", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the monitoring server (the web dashboard and the API) until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Show or reset the password of a server on this machine.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Record this machine's readings to a file, to replay with `serve --fixture`.
    Record(RecordArgs),
    /// Show a server's figures once: `get system` or `get network`.
    Get(GetArgs),
    /// Show a server's figures live, redrawn in place (one JSON line per update when piped or with --json).
    Watch(WatchArgs),
    /// The certificate of a server on this machine (for clients to pin).
    #[command(subcommand)]
    Tls(TlsCommand),
    /// Show how figures changed over time (a sparkline on a terminal, JSON when piped or with --json).
    History(HistoryArgs),
    /// Create, list or revoke API tokens for Prometheus, scripts and dashboards.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `tls` subcommands.
#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Print the SHA-256 fingerprint of the server's certificate, alone on stdout.
    Fingerprint(FingerprintArgs),
}

/// Flags of `tls fingerprint`.
#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// The operator's certificate (PEM, server certificate first); without it, the self-signed
    /// certificate in the data directory.
    #[arg(long, env = "PSMONITOR_TLS_CERT", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// Where the self-signed certificate is kept.
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Flags of `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Series names, e.g. cpu.usage mem.percent net.rx_bytes_per_sec@eth0 (see --list).
    pub series: Vec<String>,
    /// How far back, e.g. 15m, 1h or 7d.
    #[arg(long, default_value = "1h", value_parser = duration)]
    pub since: Duration,
    /// Seconds between points (the server may choose a coarser step).
    #[arg(long)]
    pub step: Option<u32>,
    /// Print the raw JSON body.
    #[arg(long)]
    pub json: bool,
    /// List the series the server has history of.
    #[arg(long)]
    pub list: bool,
    /// Server and credentials.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its SHA-256 is kept).
    Create(TokenCreateArgs),
    /// List the tokens: name, scope, creation and last use.
    List(DataDirArg),
    /// Revoke a token; a running server refuses it within 2 seconds.
    Revoke(TokenRevokeArgs),
}

/// What a token may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// /system, /network, /history, /history/series, POST /worker and /metrics.
    Read,
    /// /metrics only.
    Metrics,
}

/// Flags of `token create`.
#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The token's name (letters, digits, `-`, `_`, `.`; at most 64).
    pub name: String,
    /// What the token may open.
    #[arg(long, value_enum, default_value = "read")]
    pub scope: Scope,
    /// The data directory.
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Flags of `token revoke`.
#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's name.
    pub name: String,
    /// The data directory.
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Where and as whom a client command connects.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Base URL of the server: http://HOST:PORT, or https://HOST:PORT for a TLS server.
    #[arg(
        long,
        env = "PSMONITOR_SERVER",
        default_value = "http://127.0.0.1:4500"
    )]
    pub server: String,
    /// Account name.
    #[arg(long, default_value = "PSMonitor")]
    pub user: String,
    /// Read the password from the first line of stdin. Without it, PSMONITOR_PASSWORD is used,
    /// then the keyring (the server URL's entry; for a server on this machine, its data dir's).
    #[arg(long)]
    pub password_stdin: bool,
    /// Trust exactly the https server certificate with this SHA-256 fingerprint (any case, with
    /// or without colons), and remember it in known-servers.toml once connected.
    #[arg(long, env = "PSMONITOR_FINGERPRINT", value_name = "FP", value_parser = fingerprint)]
    pub fingerprint: Option<Fingerprint>,
    /// Verify the https server's certificate against the authorities in this PEM file instead
    /// of the system trust store.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

/// Which snapshot `get` fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Resource {
    /// CPU, memory, disk, platform and top processes (`GET /system`).
    System,
    /// Interfaces, wireless link and counters (`GET /network`).
    Network,
}

/// Flags of `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to fetch.
    #[arg(value_enum)]
    pub what: Resource,
    /// Print the raw JSON body instead of a readable summary.
    #[arg(long)]
    pub json: bool,
    /// Server and credentials.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Flags of `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print one stream frame per line as JSON (the default when stdout is not a terminal).
    #[arg(long)]
    pub json: bool,
    /// Stop after this many frames.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Server and credentials.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Flags of `serve`; unset ones come from `--config`, then the built-in defaults.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address or host name to listen on; a name is listened on at every address it resolves
    /// to (`localhost`: 127.0.0.1 and ::1); 0.0.0.0 for every IPv4 interface [default: 127.0.0.1].
    #[arg(long, env = "PSMONITOR_ADDRESS", value_name = "HOST")]
    pub address: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 4500].
    #[arg(long, env = "PSMONITOR_PORT")]
    pub port: Option<u16>,
    /// Time between readings of the host, e.g. 1s or 500ms (minimum 200ms) [default: 1s].
    #[arg(long, env = "PSMONITOR_INTERVAL", value_parser = duration)]
    pub interval: Option<Duration>,
    /// Directory of the database [default: $XDG_DATA_HOME/psmonitor or ~/.local/share/psmonitor].
    #[arg(long, env = "PSMONITOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Websocket connections allowed at once [default: 1024].
    #[arg(long, env = "PSMONITOR_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Lifetime of access tokens, e.g. 60s or 5m [default: 60s].
    #[arg(long, env = "PSMONITOR_TOKEN_TTL", value_parser = duration)]
    pub token_ttl: Option<Duration>,
    /// How long a login session may be kept alive with POST /refresh before the password is
    /// needed again, e.g. 12h or 7d [default: 12h].
    #[arg(long, env = "PSMONITOR_SESSION_LIFETIME", value_parser = duration)]
    pub session_lifetime: Option<Duration>,
    /// Speak TLS: auto (TLS unless the address is a loopback one), on, or off [default: auto].
    #[arg(long, env = "PSMONITOR_TLS", value_enum)]
    pub tls: Option<psmonitor_server::config::TlsMode>,
    /// PEM certificate chain (e.g. from an ACME client); without it a self-signed certificate is
    /// made in <data-dir>/tls/ on the first TLS start.
    #[arg(
        long,
        env = "PSMONITOR_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(
        long,
        env = "PSMONITOR_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Time a client has to send its request head, and again its body [default: 10s].
    #[arg(long, env = "PSMONITOR_HEADER_TIMEOUT", value_parser = duration)]
    pub header_timeout: Option<Duration>,
    /// Close a websocket subscriber that reads nothing (answers no ping) for this long, with
    /// 1008; it is pinged after two thirds of it [default: 30s, minimum: 3s].
    #[arg(long, env = "PSMONITOR_SILENCE_LIMIT", value_parser = duration)]
    pub silence_limit: Option<Duration>,
    /// Log filter: error, warn, info, debug or trace [default: info].
    #[arg(long, env = "PSMONITOR_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// TOML file with any of the keys above (address, port, interval, data-dir, ...).
    #[arg(long, env = "PSMONITOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Replay a recorded host (fixtures/hosts/NAME.json) instead of reading this one.
    #[arg(long, env = "PSMONITOR_FIXTURE")]
    pub fixture: Option<PathBuf>,
    /// How to read the host: procfs (lean /proc and /sys reader, Linux) or sysinfo (portable)
    /// [default: procfs where /proc exists, else sysinfo].
    #[arg(long, env = "PSMONITOR_COLLECTOR")]
    pub collector: Option<Backend>,
    /// History: on samples every interval and keeps history.db; off samples only on demand [default: on].
    #[arg(long, env = "PSMONITOR_HISTORY", value_parser = ["on", "off"])]
    pub history: Option<String>,
    /// How long every sample is kept, e.g. 24h [default: 24h].
    #[arg(long, env = "PSMONITOR_HISTORY_RAW", value_parser = duration)]
    pub history_raw: Option<Duration>,
    /// How long per-minute average, minimum and maximum are kept, e.g. 30d [default: 30d].
    #[arg(long, env = "PSMONITOR_HISTORY_ROLLUP", value_parser = duration)]
    pub history_rollup: Option<Duration>,
    /// Serve /metrics without a token.
    #[arg(long, env = "PSMONITOR_METRICS_PUBLIC")]
    pub metrics_public: bool,
    /// Memory for connections, e.g. 64MiB: used when no memory cgroup limit is set, and as a
    /// cap below the cgroup's own budget when one is [default: 1GiB].
    #[arg(long, env = "PSMONITOR_MEMORY_BUDGET", value_parser = size)]
    pub memory_budget: Option<u64>,
    /// Origin of a web page on another host that may log in here (CORS), e.g.
    /// https://dash.example:8443; repeat for several (comma-separated in the environment).
    /// The server's own dashboard needs none.
    #[arg(
        long,
        env = "PSMONITOR_CORS_ORIGIN",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub cors_origin: Vec<String>,
}

/// `credentials` subcommands.
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Set a new random password, print it alone on stdout and keep it in the keyring. Every
    /// client, desktop app and web page that uses the old password must be given the new one.
    ///
    /// Password sessions (and their streams) end; API tokens keep working unless
    /// --revoke-tokens.
    Reset(ResetArgs),
    /// Print the password the keyring kept for the server of a data directory.
    Show(DataDirArg),
}

/// Flags of `credentials reset`.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Revoke every API token too (their streams end, their scripts get 401).
    #[arg(long)]
    pub revoke_tokens: bool,
    /// The data directory.
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// The data directory flag shared by commands that open the database.
#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Directory of the database [default: $XDG_DATA_HOME/psmonitor or ~/.local/share/psmonitor].
    #[arg(long, env = "PSMONITOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Flags of `record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Where to write the recording (JSON); `-` for stdout.
    #[arg(long, short, default_value = "-")]
    pub output: PathBuf,
    /// How many readings to take (at least 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..))]
    pub count: u16,
    /// Time between readings.
    #[arg(long, default_value = "1s", value_parser = duration)]
    pub interval: Duration,
    /// What the recording shows.
    #[arg(long, default_value = "recorded from a live host")]
    pub description: String,
    /// How to read the host: procfs or sysinfo [default: procfs where /proc exists].
    #[arg(long)]
    pub collector: Option<Backend>,
}

fn fingerprint(text: &str) -> Result<Fingerprint, String> {
    text.parse()
        .map_err(|e: psmonitor_client::ParseFingerprintError| e.to_string())
}

fn size(text: &str) -> Result<u64, String> {
    psmonitor_server::config::parse_size("memory-budget", text).map_err(|e| e.to_string())
}

fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (write e.g. 1s, 500ms or 2m)"))
}
