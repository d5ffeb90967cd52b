//! `psmonitor tls fingerprint`.

use psmonitor_server::config::default_data_dir;

use crate::cli::DataDirArg;

/// Prints the fingerprint of the self-signed certificate in the data directory.
pub fn fingerprint(args: DataDirArg) -> anyhow::Result<()> {
    let data_dir = args.data_dir.unwrap_or_else(default_data_dir);
    println!("{}", psmonitor_tls::fingerprint_in(&data_dir)?);
    Ok(())
}
