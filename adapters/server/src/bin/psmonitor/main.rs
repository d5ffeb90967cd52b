//! The `psmonitor` command: headless server, credentials, host recording and terminal clients.
#![forbid(unsafe_code)]

mod cli;
mod connect;
mod credentials;
mod get;
mod history;
mod record;
mod reload;
mod render;
mod serve;
mod tls;
mod token;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, CredentialsCommand, TlsCommand, TokenCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Credentials(CredentialsCommand::Reset(args)) => credentials::reset(args),
        Command::Credentials(CredentialsCommand::Show) => credentials::show(),
        Command::Record(args) => record::run(args),
        Command::Get(args) => get::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Tls(TlsCommand::Fingerprint(args)) => tls::fingerprint(args),
        Command::History(args) => history::run(args),
        Command::Token(TokenCommand::Create(args)) => token::create(args),
        Command::Token(TokenCommand::List(args)) => token::list(args),
        Command::Token(TokenCommand::Revoke(args)) => token::revoke(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("psmonitor: {e:#}");
            match e.downcast_ref::<connect::Failure>() {
                Some(failure) => ExitCode::from(failure.code),
                None => ExitCode::FAILURE,
            }
        }
    }
}
