//! `psmonitor-load`: drives a PSMonitor server on 127.0.0.1 and prints what it measured.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use psmonitor_client::{ClientError, ClientTrust, Fingerprint, TrustError};
use psmonitor_load::{LoadError, LoadOptions, SoakOptions, raise_file_limit, run_soak};
use zeroize::Zeroizing;

/// Descriptors kept free for the HTTP probes, logins and the runtime.
const SPARE_FILES: u64 = 64;

/// Load generator for a PSMonitor server on 127.0.0.1; the password comes from PSMONITOR_PASSWORD.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The server's base URL (http:// or https://, 127.0.0.1 or localhost only).
    #[arg(long, default_value = "http://127.0.0.1:4500")]
    server: String,
    /// Account name.
    #[arg(long, default_value = "PSMonitor")]
    user: String,
    /// Websocket subscribers to open before the window starts.
    #[arg(long, default_value_t = 0)]
    subscribers: usize,
    /// Length of the measuring window, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// The server's pid: reads its CPU time and memory from /proc at the window's start and end.
    #[arg(long)]
    server_pid: Option<u32>,
    /// GET /system requests per second (0: none).
    #[arg(long, default_value_t = 50)]
    http_rate: u32,
    /// Logins per second, at most 4 in flight (0: none).
    #[arg(long, default_value_t = 0)]
    login_rate: u32,
    /// The server's stream interval.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// Print the result as one line of JSON.
    #[arg(long)]
    json: bool,
    /// Trust exactly the https server certificate with this SHA-256 fingerprint.
    #[arg(long, env = "PSMONITOR_FINGERPRINT", value_name = "FP", value_parser = fingerprint)]
    fingerprint: Option<Fingerprint>,
    /// Verify the https server's certificate against the authorities in this PEM file.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<std::path::PathBuf>,
    /// Subscribers that drop their websocket and open a new one, each round (0: none).
    #[arg(long, default_value_t = 0, value_name = "N")]
    reconnect: usize,
    /// Time between reconnect rounds; rounds take turns through the subscribers.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    reconnect_every: Duration,
    /// Write a CSV row of progress (server RSS, open fds, CPU; frames, logins, requests) here.
    #[arg(long, value_name = "CSV")]
    progress: Option<std::path::PathBuf>,
    /// Time between progress rows.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    progress_every: Duration,
}

/// Exit code for a server certificate that is not trusted or changed (as `psmonitor get`).
const EXIT_CERTIFICATE: u8 = 4;

fn fingerprint(text: &str) -> Result<Fingerprint, String> {
    text.parse()
        .map_err(|e: psmonitor_client::ParseFingerprintError| e.to_string())
}

fn main() -> ExitCode {
    match load() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let certificate = match e.downcast_ref::<LoadError>() {
                Some(LoadError::Client(ClientError::Trust(TrustError::Untrusted {
                    fingerprint,
                    ..
                }))) => Some(format!(
                    "if that is the server's certificate (`psmonitor tls fingerprint` on it), \
                     pass --fingerprint {fingerprint}"
                )),
                Some(LoadError::Client(ClientError::Trust(TrustError::CertificateChanged {
                    actual,
                    ..
                }))) => Some(format!(
                    "the server's certificate changed; if that was expected, pass \
                         --fingerprint {actual}"
                )),
                _ => None,
            };
            eprintln!("psmonitor-load: {e:#}");
            match certificate {
                Some(hint) => {
                    eprintln!("psmonitor-load: {hint}");
                    ExitCode::from(EXIT_CERTIFICATE)
                }
                None => ExitCode::FAILURE,
            }
        }
    }
}

fn load() -> anyhow::Result<()> {
    let args = Args::parse();
    let needs_login = args.subscribers > 0 || args.http_rate > 0 || args.login_rate > 0;
    let password = std::env::var("PSMONITOR_PASSWORD").unwrap_or_default();
    if needs_login && password.is_empty() {
        bail!("set PSMONITOR_PASSWORD to the server's password");
    }
    let limit = raise_file_limit().context("cannot raise the open-file limit")?;
    let need = args.subscribers as u64 + SPARE_FILES;
    if limit.soft < need {
        eprintln!(
            "warning: {} subscribers need about {need} open files but the hard limit is {}; \
             raise it (ulimit -Hn, or LimitNOFILE=) or expect failures",
            args.subscribers, limit.hard
        );
    }
    let opts = LoadOptions {
        server: args.server,
        user: args.user,
        password: Zeroizing::new(password),
        subscribers: args.subscribers,
        duration: args.duration,
        server_pid: args.server_pid,
        http_rate: args.http_rate,
        login_rate: args.login_rate,
        interval: args.interval,
        trust: ClientTrust {
            fingerprint: args.fingerprint,
            ca_file: args.ca_file,
            known_servers: None,
        },
    };
    let soak = SoakOptions {
        reconnect: args.reconnect,
        reconnect_every: args.reconnect_every,
        progress: args.progress,
        progress_every: args.progress_every,
    };
    let report = run_soak(&opts, &soak)
        .with_context(|| format!("load run against {} failed", opts.server))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{report}");
    }
    Ok(())
}
