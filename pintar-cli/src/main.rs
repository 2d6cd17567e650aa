//! `pintar`: the Pintar Ekspor command line.

mod cli;
mod commands;
// The settings and credentials modules are complete APIs (unset, probe, key listings…)
// exercised by their own tests; the commands use part of them.
#[allow(dead_code, unused_imports)]
mod config;
mod context;
#[allow(dead_code, unused_imports)]
mod credentials;
mod error;
mod login;
mod printer;
mod render;

use clap::Parser;
use cli::Command;
use context::{Context, Globals};
use error::CliError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let printer = printer::Printer::new(args.quiet);
    let globals = Globals {
        json: args.json,
        profile: args.profile.clone(),
        server: args.server.clone(),
        no_file_fallback: args.no_file_fallback,
        allow_http: args.allow_http,
    };
    match run(args.command, &globals, printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", render::clean(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(command: Command, globals: &Globals, printer: printer::Printer) -> Result<(), CliError> {
    // Local work first: no settings, credentials or runtime needed.
    match &command {
        Command::Analyze(a) if !a.remote => {
            return commands::analyze::run(a, &printer, globals.json);
        }
        Command::Backtest(b) => return commands::backtest::run(b, &printer, globals.json),
        Command::Completions { shell } => return commands::completions::run(*shell),
        Command::Config(c) => return commands::config::run(c, globals, &printer),
        _ => {}
    }
    let mut ctx = Context::new(globals, printer)?;
    match &command {
        Command::Auth(c) => commands::auth::run(c, &mut ctx),
        Command::Upgrade => commands::auth::upgrade(&ctx),
        Command::Account(c) => commands::account::run(c, &mut ctx),
        Command::Keys(c) => commands::keys::run(c, &ctx),
        Command::Courses(c) => commands::courses::run(c, &ctx),
        Command::Learn(a) => commands::learn::learn(a, &ctx),
        Command::Quiz(a) => commands::learn::quiz(a, &ctx),
        Command::Certificates(c) => commands::certificates::run(c, &ctx),
        Command::Analyze(a) => commands::remote::analyze(a, &ctx),
        Command::Runs(c) => commands::remote::runs(c, &ctx),
        Command::Insights(c) => commands::insights::run(c, &ctx),
        Command::Admin(c) => commands::admin::run(c, &ctx),
        Command::Backtest(_) | Command::Completions { .. } | Command::Config(_) => Ok(()),
    }
}
