//! `psmonitor record`: write the live host as a fixture file.

use std::io::Write;

use anyhow::Context;
use psmonitor_collector::{Backend, record};

use crate::cli::RecordArgs;

/// Takes the readings and writes them as pretty JSON.
pub fn run(args: RecordArgs) -> anyhow::Result<()> {
    let backend = args.collector.unwrap_or_else(Backend::default_for_host);
    let mut collector = backend.open().context("cannot read this host")?;
    let recording = record(
        collector.as_mut(),
        args.count.into(),
        args.interval,
        &args.description,
    );
    let json = serde_json::to_string_pretty(&recording)?;
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{json}")?;
    } else {
        std::fs::write(&args.output, json + "\n")
            .with_context(|| format!("cannot write {}", args.output.display()))?;
        eprintln!("wrote {} readings to {}", args.count, args.output.display());
    }
    Ok(())
}
