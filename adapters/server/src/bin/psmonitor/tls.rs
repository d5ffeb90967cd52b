//! `psmonitor tls fingerprint`.

use std::io::Write;

use psmonitor_server::config::default_data_dir;
use psmonitor_tls::{Fingerprint, fingerprint_in, load_chain};

use crate::cli::FingerprintArgs;

/// Prints the fingerprint of the operator's certificate, else of the self-signed one.
pub fn fingerprint(args: FingerprintArgs) -> anyhow::Result<()> {
    let fingerprint = match args.tls_cert {
        Some(path) => Fingerprint::of(&load_chain(&path)?[0]),
        None => fingerprint_in(&args.data_dir.data_dir.unwrap_or_else(default_data_dir))?,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{fingerprint}")?;
    out.flush()?;
    Ok(())
}
