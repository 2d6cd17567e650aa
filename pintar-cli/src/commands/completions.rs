//! `pintar completions SHELL`.

use crate::cli::Cli;
use crate::error::CliError;
use clap::CommandFactory;

/// Prints the completion script for `shell` on stdout.
pub fn run(shell: clap_complete::Shell) -> Result<(), CliError> {
    clap_complete::generate(shell, &mut Cli::command(), "pintar", &mut std::io::stdout());
    Ok(())
}
