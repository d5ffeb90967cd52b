//! `psmonitor token create|list|revoke`: API tokens in the server's database (DESIGN 5.3).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use psmonitor_core::auth::api_token::{ApiToken, TokenScope, new_token, valid_name};
use psmonitor_server::config::default_data_dir;
use psmonitor_store::Store;

use crate::cli::{DataDirArg, Scope, TokenCreateArgs, TokenRevokeArgs};
use crate::table::{Align, Table};

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn open(args: DataDirArg) -> anyhow::Result<Store> {
    let data_dir = args.data_dir.unwrap_or_else(default_data_dir);
    Ok(Store::open(&data_dir)?)
}

/// Creates a token and prints it alone on stdout, once.
pub fn create(args: TokenCreateArgs) -> anyhow::Result<()> {
    if !valid_name(&args.name) {
        anyhow::bail!(
            "invalid token name {:?}: use 1 to 64 letters, digits, '-', '_' or '.'",
            args.name
        );
    }
    let mut entropy = [0u8; 32];
    getrandom::fill(&mut entropy)
        .map_err(|e| anyhow::anyhow!("cannot read the OS random source: {e}"))?;
    let made = new_token(&entropy);
    let scope = match args.scope {
        Scope::Read => TokenScope::Read,
        Scope::Metrics => TokenScope::Metrics,
    };
    let mut store = open(args.data_dir)?;
    store
        .create_token(
            &ApiToken {
                name: args.name.clone(),
                scope,
                hash: made.hash,
            },
            unix_now(),
        )
        .context("cannot create the token")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", made.secret.as_str())?;
    out.flush()?;
    eprintln!(
        "token {:?} (scope {scope}) created: it is shown only this once; send it as `Authorization: Bearer <token>`",
        args.name
    );
    Ok(())
}

fn when(unix: Option<i64>) -> String {
    match unix.and_then(|s| u64::try_from(s).ok()) {
        Some(s) => {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(s))
                .to_string()
        }
        None => "never".to_owned(),
    }
}

/// Lists the tokens.
pub fn list(args: DataDirArg) -> anyhow::Result<()> {
    let store = open(args)?;
    let rows = store.tokens()?;
    if rows.is_empty() {
        eprintln!("no tokens (create one with `psmonitor token create NAME`)");
        return Ok(());
    }
    let mut table = Table::new(&[
        ("NAME", Align::Left),
        ("SCOPE", Align::Left),
        ("CREATED", Align::Left),
        ("LAST USED", Align::Left),
    ]);
    for row in rows {
        table.row(vec![
            row.token.name,
            row.token.scope.to_string(),
            when(Some(row.created)),
            when(row.last_used),
        ]);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(table.render().as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Revokes a token by name.
pub fn revoke(args: TokenRevokeArgs) -> anyhow::Result<()> {
    let mut store = open(args.data_dir)?;
    store.revoke_token(&args.name)?;
    eprintln!(
        "token {:?} revoked; a running server refuses it within 2 seconds",
        args.name
    );
    Ok(())
}
