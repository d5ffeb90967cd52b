//! `psmonitor serve`: resolve the settings, open the account, serve until SIGINT or SIGTERM
//! (SIGHUP reloads, see `reload.rs`).

use std::io::Write;

use anyhow::Context;
use futures_lite::StreamExt;
use psmonitor_collector::{Backend, FixtureSampler, Sampler};
use psmonitor_core::auth::Argon2Params;
use psmonitor_keyring::Keyring;
use psmonitor_server::account::{AccountSetup, load_or_create};
use psmonitor_server::config::{self, FileConfig, ServerConfig};
use psmonitor_store::Store;

use crate::cli::ServeArgs;
use crate::first_run;

/// Flags over environment (both handled by clap) over the config file over the defaults.
fn resolve(args: ServeArgs) -> anyhow::Result<(ServerConfig, String)> {
    let file = match &args.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let data_dir = args
        .data_dir
        .or(file.data_dir)
        .unwrap_or_else(config::default_data_dir);
    let mut cfg = ServerConfig::with_data_dir(data_dir);
    if let Some(host) = args.address.or(file.address) {
        let mut addresses = psmonitor_server::listen::resolve(&host)?.into_iter();
        if let Some(first) = addresses.next() {
            cfg.address = first;
        }
        cfg.also_listen = addresses.collect();
    }
    if let Some(port) = args.port.or(file.port) {
        cfg.port = port;
    }
    if let Some(interval) = args.interval {
        cfg.interval = interval;
    } else if let Some(text) = &file.interval {
        cfg.interval = config::parse_duration("interval", text)?;
    }
    if let Some(ttl) = args.token_ttl {
        cfg.token_ttl = ttl;
    } else if let Some(text) = &file.token_ttl {
        cfg.token_ttl = config::parse_duration("token-ttl", text)?;
    }
    if let Some(lifetime) = args.session_lifetime {
        cfg.session_lifetime = lifetime;
    } else if let Some(text) = &file.session_lifetime {
        cfg.session_lifetime = config::parse_duration("session-lifetime", text)?;
    }
    if let Some(timeout) = args.header_timeout {
        cfg.header_timeout = timeout;
    } else if let Some(text) = &file.header_timeout {
        cfg.header_timeout = config::parse_duration("header-timeout", text)?;
    }
    if let Some(limit) = args.silence_limit {
        cfg.silence_limit = limit;
    } else if let Some(text) = &file.silence_limit {
        cfg.silence_limit = config::parse_duration("silence-limit", text)?;
    }
    if let Some(tls) = args.tls.or(file.tls) {
        cfg.tls = tls;
    }
    cfg.tls_cert = args.tls_cert.or(file.tls_cert);
    cfg.tls_key = args.tls_key.or(file.tls_key);
    if let Some(max) = args.max_connections.or(file.max_connections) {
        cfg.max_connections = max;
    }
    cfg.fixture = args.fixture.or(file.fixture);
    if let Some(text) = args.history.as_ref().or(file.history.as_ref()) {
        cfg.history = config::parse_on_off("history", text)?;
    }
    if let Some(raw) = args.history_raw {
        cfg.history_raw = raw;
    } else if let Some(text) = &file.history_raw {
        cfg.history_raw = config::parse_duration("history-raw", text)?;
    }
    if let Some(rollup) = args.history_rollup {
        cfg.history_rollup = rollup;
    } else if let Some(text) = &file.history_rollup {
        cfg.history_rollup = config::parse_duration("history-rollup", text)?;
    }
    cfg.metrics_public = args.metrics_public || file.metrics_public.unwrap_or(false);
    cfg.cors_origins = if args.cors_origin.is_empty() {
        file.cors_origin.unwrap_or_default()
    } else {
        args.cors_origin
    };
    cfg.memory_budget = match (args.memory_budget, &file.memory_budget) {
        (Some(bytes), _) => Some(bytes),
        (None, Some(text)) => Some(config::parse_size("memory-budget", text)?),
        (None, None) => None,
    };
    config::validate(&cfg)?;
    let log_level = args
        .log_level
        .or(file.log_level)
        .unwrap_or_else(|| "info".to_owned());
    Ok((cfg, log_level))
}

fn sampler(cfg: &ServerConfig, backend: Backend) -> anyhow::Result<Box<dyn Sampler>> {
    Ok(match &cfg.fixture {
        Some(path) => Box::new(FixtureSampler::from_file(path)?),
        None => backend.open().context("cannot read this host")?,
    })
}

/// Runs the server in the foreground.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let hangups = crate::reload::Hangups::watch();
    let backend = args.collector.unwrap_or_else(Backend::default_for_host);
    let settings_given = args.clone();
    let (cfg, log_level) = resolve(args)?;
    psmonitor_server::logging::init(&log_level)?;
    let sampler = sampler(&cfg, backend)?;
    tracing::info!(collector = %backend, "reading the host");
    let tls = psmonitor_server::load_tls(&cfg)?;
    let listeners = psmonitor_server::listen::bind_all(&cfg)?;
    let mut store = Store::open(&cfg.data_dir)?;
    let given = first_run::chosen_password()?;
    let chosen = given.as_ref().map(|(_, source)| *source);
    let keyring = Keyring::system().for_data_dir(&cfg.data_dir);
    let setup = load_or_create(
        &mut store,
        &keyring,
        Argon2Params::default(),
        given.map(|(password, _)| password),
    )?;
    drop(store);
    let mut out = std::io::stdout().lock();
    if let AccountSetup::Created {
        account,
        password,
        keyring,
    } = &setup
    {
        if let Err(e) = keyring {
            tracing::warn!("password not saved in the keyring: {e}");
        }
        let text = first_run::created(&account.username, password, chosen, keyring.as_ref().err());
        out.write_all(text.as_bytes())?;
    }
    for listener in &listeners {
        let addr = listener.local_addr()?;
        match &tls {
            Some(tls) => writeln!(
                out,
                "listening on https://{addr} (certificate fingerprint {})",
                tls.fingerprint()
            )?,
            None => writeln!(out, "listening on http://{addr}")?,
        }
        if tls.is_none() && !psmonitor_server::config::is_loopback(addr.ip()) {
            tracing::warn!(
                "TLS is off on {addr}: passwords and tokens cross the network in clear (drop --tls off, or put a TLS proxy in front)"
            );
        }
    }
    out.flush()?;
    drop(out);
    tracing::info!(addresses = ?cfg.addresses(), data_dir = %cfg.data_dir.display(), interval = ?cfg.interval, "serving");
    let account = setup.account().clone();
    let stop = async {
        match async_signal::Signals::new([async_signal::Signal::Term, async_signal::Signal::Int]) {
            Ok(mut signals) => {
                let _ = signals.next().await;
            }
            Err(e) => {
                tracing::warn!("cannot watch SIGTERM/SIGINT: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    let reread = move || resolve(settings_given.clone()).map(|(cfg, _)| cfg);
    let reload = crate::reload::reload_on_hangup(hangups, tls.clone(), cfg.clone(), reread);
    futures_lite::future::block_on(psmonitor_server::serve_all(
        listeners,
        &cfg,
        account,
        sampler,
        tls,
        // The executor polls its future on every wake of the thread; the signal watchers
        // read their pipes when polled, so they are polled only when a signal came.
        psmonitor_server::gated::Gated::new(Box::pin(futures_lite::future::or(stop, reload))),
    ))?;
    Ok(())
}
