//! `psmonitor get system|network`: one snapshot, readable or as raw JSON.

use std::io::Write;

use psmonitor_client::Client;

use crate::cli::{GetArgs, Resource};
use crate::connect::{self, Failure};
use crate::render;

/// Fetches one snapshot and prints it.
pub fn run(args: GetArgs) -> anyhow::Result<()> {
    let target = connect::target(&args.connect)?;
    let mut client = Client::new(target.config.clone()).map_err(|e| target.failure(e))?;
    let text = async_io::block_on(async {
        let text = match (args.what, args.json) {
            (Resource::System, true) => client.get_raw("/system").await?,
            (Resource::Network, true) => client.get_raw("/network").await?,
            (Resource::System, false) => render::system(&client.system().await?),
            (Resource::Network, false) => render::network(&client.network().await?),
        };
        Ok(text)
    })
    .map_err(|e| target.failure(e))?;
    target.remember();
    let mut out = std::io::stdout().lock();
    let newline: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(newline))
        .and_then(|()| out.flush())
        .map_err(|e| Failure {
            code: 1,
            message: format!("cannot write to stdout: {e}"),
        })?;
    Ok(())
}
