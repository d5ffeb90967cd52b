//! The `psmonitor` command: headless server, credentials, host recording and terminal clients.
#![forbid(unsafe_code)]

mod advice;
mod cli;
mod connect;
mod credentials;
mod first_run;
mod get;
mod history;
mod keys;
mod record;
mod reload;
mod render;
mod safe;
mod serve;
mod table;
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
        Command::Credentials(CredentialsCommand::Show(args)) => credentials::show(args),
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
        // The reader of our output went away (`psmonitor ... | head -1`): nothing to say.
        Err(e) if connect::closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("psmonitor: {}", safe::text(&connect::message(&e)));
            match e.downcast_ref::<connect::Failure>() {
                Some(failure) => ExitCode::from(failure.code),
                None => ExitCode::FAILURE,
            }
        }
    }
}
