//! Where output goes: data to stdout (or `--output`), messages and progress to stderr.

use crate::error::CliError;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Decides what is shown and where.
#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
    color: bool,
    stdout_tty: bool,
}

impl Printer {
    /// A printer for this process: colour only on a terminal and when `NO_COLOR` is unset.
    pub fn new(quiet: bool) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            quiet,
            color: stdout_tty && !no_color,
            stdout_tty,
        }
    }

    /// Whether notes and progress are silenced.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether colour may be used on stdout.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Whether stdout is a terminal (charts are drawn only there unless asked).
    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    /// A note for the user on stderr (suppressed by `--quiet`).
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{}", crate::render::clean(message));
        }
    }

    /// A warning on stderr (always shown).
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {}", crate::render::clean(message));
    }

    /// A progress bar on stderr, hidden when quiet or when stderr is not a terminal.
    pub fn progress(&self, total: u64, what: &str) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        bar
    }

    /// Writes `data` to the output file if one is given, else to stdout.
    pub fn emit(&self, output: Option<&Path>, data: &str) -> Result<(), CliError> {
        // Without colour there is no escape sequence of ours to keep: drop every one on
        // the way to a terminal. With colour, server text is cleaned where it is rendered.
        let cleaned;
        let data = if output.is_none() && self.stdout_tty && !self.color {
            cleaned = crate::render::clean(data);
            cleaned.as_ref()
        } else {
            data
        };
        match output {
            Some(path) => write_file(path, data),
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(data.as_bytes())
                    .and_then(|()| out.flush())
                    .or_else(|e| {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })
                    .map_err(|e| CliError::output("standard output", e))
            }
        }
    }
}

/// Writes through a temporary file and renames it, so a failed write never leaves half a file.
fn write_file(path: &Path, data: &str) -> Result<(), CliError> {
    let target = path.display().to_string();
    let mut tmp: PathBuf = path.to_path_buf();
    tmp.set_extension("pintar-tmp");
    std::fs::write(&tmp, data)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::output(&target, e)
        })
}
