//! `psmonitor get system|network`: one snapshot, readable or as raw JSON.

use std::time::{Duration, Instant};

use psmonitor_client::{Client, ClientError};

use crate::cli::{GetArgs, Resource};
use crate::connect;
use crate::render;

/// How long `get` keeps retrying while the server is too busy to check the password.
const BUSY_PATIENCE: Duration = Duration::from_secs(60);

/// Fetches one snapshot and prints it.
pub fn run(args: GetArgs) -> anyhow::Result<()> {
    let target = connect::target(&args.connect)?;
    let mut client = Client::new(target.config.clone()).map_err(|e| target.failure(e))?;
    let give_up = Instant::now() + BUSY_PATIENCE;
    let text = async_io::block_on(async {
        loop {
            let fetched = match (args.what, args.json) {
                (Resource::System, true) => client.get_raw("/system").await,
                (Resource::Network, true) => client.get_raw("/network").await,
                (Resource::System, false) => client.system().await.map(|s| render::system(&s)),
                (Resource::Network, false) => client.network().await.map(|n| render::network(&n)),
            };
            match fetched {
                // Too many logins wait at the server: not a verdict on the password. Wait and retry.
                Err(ClientError::Busy { retry_after })
                    if Instant::now() + retry_after < give_up =>
                {
                    eprintln!(
                        "psmonitor: the server is busy checking other logins; retrying in {}s",
                        retry_after.as_secs().max(1)
                    );
                    async_io::Timer::after(retry_after).await;
                }
                other => return other,
            }
        }
    })
    .map_err(|e| target.failure(e))?;
    target.remember();
    connect::print_text(&text)?;
    Ok(())
}
