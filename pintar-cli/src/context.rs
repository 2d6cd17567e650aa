//! What every remote command needs: the resolved profile and server, the credentials, an
//! SDK client and a runtime to drive it. Settings resolve once: flag > env > profile >
//! default.

use crate::error::CliError;
use crate::login::{self, Identity};
use crate::printer::Printer;
use pintar_sdk::{Client, Credentials, Tokens};
use serde::Serialize;
use std::future::Future;
use std::io::{IsTerminal, Write};

/// Global flags the commands share.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--json`.
    pub json: bool,
    /// `--profile` / `PINTAR_PROFILE`.
    pub profile: Option<String>,
    /// `--server` / `PINTAR_SERVER`.
    pub server: Option<String>,
    /// `--no-file-fallback`.
    pub no_file_fallback: bool,
}

/// A remote command's world.
pub struct Context {
    /// Where output goes.
    pub printer: Printer,
    /// Print JSON instead of tables.
    pub json: bool,
    /// The server's URL.
    pub server: String,
    /// Credentials and where they live.
    pub identity: Identity,
    client: Client,
    runtime: tokio::runtime::Runtime,
    initial_tokens: Option<Tokens>,
}

impl Context {
    /// Resolves settings and credentials and builds the client.
    pub fn new(globals: &Globals, printer: Printer) -> Result<Self, CliError> {
        let identity = login::resolve(globals, &printer)?;
        let server = identity.server.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Internal(format!("cannot start the runtime: {e}")))?;
        let initial_tokens = match &identity.credentials {
            Credentials::Tokens(t) => Some(t.clone()),
            _ => None,
        };
        let client = Client::builder()
            .base_url(&server)
            .credentials(identity.credentials.clone())
            .user_agent(concat!("pintar-cli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            printer,
            json: globals.json,
            server,
            identity,
            client,
            runtime,
            initial_tokens,
        })
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs a future to completion, then keeps any tokens the client renewed on the way
    /// (refresh tokens rotate on every use: losing the new one would end the session).
    pub fn run<T, F>(&self, fut: F) -> Result<T, CliError>
    where
        F: Future<Output = Result<T, CliError>>,
    {
        let result = self.runtime.block_on(fut);
        let now = self.client.tokens();
        if now.is_some()
            && now != self.initial_tokens
            && self.identity.persisted()
            && let Err(e) = login::keep_tokens(&self.identity, now.as_ref(), &self.printer)
        {
            self.printer
                .warn(&format!("the renewed session could not be stored: {e}"));
        }
        result
    }

    /// Prints `value` as JSON on stdout (pretty on a terminal).
    pub fn print_json<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let text = if self.printer.stdout_is_terminal() {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        }
        .map_err(|e| CliError::Internal(format!("cannot encode JSON: {e}")))?;
        self.printer.emit(None, &(text + "\n"))
    }

    /// Prints text data on stdout.
    pub fn print(&self, text: &str) -> Result<(), CliError> {
        self.printer.emit(None, text)
    }
}

/// Reads one line from the terminal after `label` (on stderr); refuses without a terminal.
pub fn prompt(label: &str) -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{} is needed and there is no terminal to ask on (pass it as a flag)",
            label.trim_end_matches([':', ' '])
        )));
    }
    eprint!("{label}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read the terminal: {e}")))?;
    Ok(line.trim().to_string())
}

/// Reads a secret: from stdin when `from_stdin` (first line), else from the terminal
/// without echo.
pub fn secret(label: &str, from_stdin: bool) -> Result<String, CliError> {
    let value = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(format!(
                "{} is needed and there is no terminal to ask on (use --password-stdin)",
                label.trim_end_matches([':', ' '])
            )));
        }
        rpassword::prompt_password(label)
            .map_err(|e| CliError::Usage(format!("cannot read the terminal: {e}")))?
    };
    if value.is_empty() {
        return Err(CliError::Usage(format!(
            "{} is empty",
            label.trim_end_matches([':', ' '])
        )));
    }
    Ok(value)
}
