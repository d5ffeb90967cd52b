//! The `psmonitor` command: headless server, credentials and host recording.
#![forbid(unsafe_code)]

mod cli;
mod credentials;
mod record;
mod serve;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, CredentialsCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Credentials(CredentialsCommand::Reset(args)) => credentials::reset(args),
        Command::Credentials(CredentialsCommand::Show) => credentials::show(),
        Command::Record(args) => record::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("psmonitor: {e:#}");
            ExitCode::FAILURE
        }
    }
}
