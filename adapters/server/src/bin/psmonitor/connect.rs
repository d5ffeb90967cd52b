//! What `get` and `watch` share: the credentials, and client errors turned into exit codes.

use std::fmt;
use std::io::BufRead;
use std::net::IpAddr;
use std::path::PathBuf;

use psmonitor_client::{
    ClientConfig, ClientError, ClientTrust, Endpoint, KnownServers, TrustError,
};
use psmonitor_keyring::Keyring;
use psmonitor_server::config::default_data_dir;
use zeroize::Zeroizing;

use crate::cli::ConnectArgs;
use crate::{advice, keys};

/// Exit code for missing or refused credentials.
pub const EXIT_CREDENTIALS: u8 = 2;
/// Exit code for a server that cannot be reached.
pub const EXIT_UNREACHABLE: u8 = 3;
/// Exit code for a server certificate that is not trusted or changed.
pub const EXIT_CERTIFICATE: u8 = 4;

/// Where the password came from, for messages.
#[derive(Clone, Copy, Debug)]
pub enum PasswordSource {
    /// `PSMONITOR_PASSWORD`.
    Env,
    /// `--password-stdin`.
    Stdin,
    /// The OS keyring.
    Keyring,
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordSource::Env => "the PSMONITOR_PASSWORD environment variable",
            PasswordSource::Stdin => "stdin (--password-stdin)",
            PasswordSource::Keyring => "the keyring",
        })
    }
}

/// A client command's failure with its exit code and a message that says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What went wrong and how to fix it.
    pub message: String,
}

/// Prints `text` on stdout (control characters escaped, see [`crate::safe`]), with a line end
/// when it has none. A closed pipe is an error that
/// [`closed_pipe`] recognises (and `main` then exits quietly).
pub fn print_text(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let newline: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
    out.write_all(crate::safe::text(text).as_bytes())?;
    out.write_all(newline)?;
    out.flush()
}

/// Whether `error` is stdout's reader having gone away (`psmonitor ... | head -1`).
pub fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `error` and its causes, each said once: a cause whose text its parent already shows (as
/// `"cannot listen on ...: {source}"` does) is not repeated.
pub fn message(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// What a client command connects to and how the password was found.
#[derive(Debug)]
pub struct Target {
    /// The client settings.
    pub config: ClientConfig,
    /// Where the password came from.
    pub source: PasswordSource,
    /// The server's entry in the known-servers file, when the server is `https://`.
    pub known_key: Option<String>,
}

/// The password from stdin when asked, else the environment, else the keyring (DESIGN 6.4).
fn password(
    args: &ConnectArgs,
    local: bool,
) -> Result<(Zeroizing<String>, PasswordSource), Failure> {
    if args.password_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| other(format!("cannot read the password from stdin: {e}")))?;
        let password = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
        if password.is_empty() {
            return Err(credentials(
                "no password on stdin (--password-stdin)".into(),
            ));
        }
        return Ok((password, PasswordSource::Stdin));
    }
    let env = std::env::var("PSMONITOR_PASSWORD").ok().map(Zeroizing::new);
    if let Some(password) = env.filter(|p| !p.is_empty()) {
        return Ok((password, PasswordSource::Env));
    }
    let data_dir = std::env::var_os("PSMONITOR_DATA_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(default_data_dir, PathBuf::from);
    let entries = keys::client_entries(
        &Keyring::system(),
        &args.server,
        &args.user,
        local,
        &data_dir,
    );
    match keys::first_password(&entries) {
        Ok(Some(password)) => Ok((password, PasswordSource::Keyring)),
        Ok(None) => Err(credentials(advice::no_password(
            &args.server,
            &args.user,
            None,
        ))),
        Err(e) => Err(credentials(advice::no_password(
            &args.server,
            &args.user,
            Some(&e),
        ))),
    }
}

/// Whether the server is on this machine (its keyring may hold the local server's password).
fn is_local(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .is_ok_and(psmonitor_server::config::is_loopback)
}

/// Resolves the server URL and the credentials.
pub fn target(args: &ConnectArgs) -> Result<Target, Failure> {
    let ep = Endpoint::parse(&args.server).map_err(|e| other(e.to_string()))?;
    let (password, source) = password(args, is_local(&ep.host))?;
    let trust = ClientTrust {
        fingerprint: args.fingerprint,
        ca_file: args.ca_file.clone(),
        known_servers: KnownServers::default_path(),
    };
    Ok(Target {
        config: ClientConfig {
            server: args.server.clone(),
            username: args.user.clone(),
            password,
            trust,
        },
        source,
        known_key: ep.tls.then(|| KnownServers::key(&ep.host, ep.port)),
    })
}

impl Target {
    /// After a successful connection with `--fingerprint`, remembers it in known-servers.toml so
    /// the next run trusts the server without the flag; a failure to write is only a warning.
    pub fn remember(&self) {
        let trust = &self.config.trust;
        let (Some(key), Some(fp), Some(path)) =
            (&self.known_key, trust.fingerprint, &trust.known_servers)
        else {
            return;
        };
        let saved = KnownServers::load(path).and_then(|mut known| {
            if known.insert(key, fp) {
                known.save()?;
            }
            Ok(())
        });
        if let Err(e) = saved {
            eprintln!("psmonitor: warning: cannot remember the server's fingerprint: {e}");
        }
    }

    /// The failure for `error`, naming the server, the user and the password's source.
    pub fn failure(&self, error: ClientError) -> Failure {
        let server = &self.config.server;
        match error {
            ClientError::BadCredentials => {
                credentials(advice::refused(server, &self.config.username, self.source))
            }
            ClientError::Unreachable { reason, .. } => Failure {
                // The error's target is the URL already named here.
                message: format!(
                    "cannot reach a PSMonitor server at {server} ({reason}): is it running? \
                     start one with `psmonitor serve`, or pass --server URL"
                ),
                code: EXIT_UNREACHABLE,
            },
            ClientError::Trust(TrustError::Untrusted {
                fingerprint,
                reason,
            }) => Failure {
                message: format!(
                    "the server at {server} presented a certificate that is not trusted ({reason}).\n\
                     Its SHA-256 fingerprint is {fingerprint}\n\
                     Check it on the server's machine (`psmonitor tls fingerprint`); if it matches, \
                     connect once with\n  --fingerprint {fingerprint}\n\
                     and it is remembered for this server. Or pass --ca-file PEM with the authority \
                     that issued it."
                ),
                code: EXIT_CERTIFICATE,
            },
            ClientError::Trust(TrustError::CertificateChanged { expected, actual }) => {
                let key = self.known_key.as_deref().unwrap_or(server);
                let trust = &self.config.trust;
                let (pinned_by, expected_fix) = match (&trust.fingerprint, &trust.known_servers) {
                    (None, Some(path)) => (
                        path.display().to_string(),
                        format!(
                            "remove the \"{key}\" line from {} (or connect once with \
                             --fingerprint {actual}, which replaces it)",
                            path.display()
                        ),
                    ),
                    _ => (
                        "--fingerprint / PSMONITOR_FINGERPRINT".to_owned(),
                        format!("pass --fingerprint {actual} instead"),
                    ),
                };
                Failure {
                    message: format!(
                        "WARNING: the certificate of the server at {server} CHANGED.\n\
                         expected:  {expected} (from {pinned_by})\n\
                         presented: {actual}\n\
                         Someone may be intercepting the connection; nothing was sent. If the \
                         change was expected (a new certificate on the server), check the new \
                         fingerprint there with `psmonitor tls fingerprint`, then {expected_fix}."
                    ),
                    code: EXIT_CERTIFICATE,
                }
            }
            other_error => other(format!("{server}: {other_error}")),
        }
    }
}

fn credentials(message: String) -> Failure {
    Failure {
        code: EXIT_CREDENTIALS,
        message,
    }
}

fn other(message: String) -> Failure {
    Failure { code: 1, message }
}
