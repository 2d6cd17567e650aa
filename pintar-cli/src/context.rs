//! What every remote command needs: the resolved profile and server, the credentials, an
//! SDK client and a runtime to drive it. Settings resolve once: flag > env > profile >
//! default.

use crate::error::CliError;
use crate::login::{self, Identity};
use crate::printer::Printer;
use pintar_sdk::Client;
use serde::Serialize;
use std::future::Future;
use std::io::{BufRead, IsTerminal, Read, Write};

/// Longest line read from the terminal or stdin (passwords are at most 1024 characters).
const MAX_LINE: u64 = 8 * 1024;

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
    /// `--allow-http` / `PINTAR_ALLOW_HTTP`.
    pub allow_http: bool,
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
    /// Credentials may go over plain HTTP without a warning.
    allow_http: bool,
    /// The plain-HTTP warning was given.
    warned: std::cell::Cell<bool>,
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
        let mut builder = Client::builder()
            .base_url(&server)
            .credentials(identity.credentials.clone())
            .user_agent(concat!("pintar-cli/", env!("CARGO_PKG_VERSION")));
        if identity.persisted() && identity.is_session() {
            builder = builder.on_tokens(identity.token_keeper());
        }
        let client = builder.build()?;
        let ctx = Self {
            printer,
            json: globals.json,
            allow_http: globals.allow_http || identity.allow_http,
            server,
            identity,
            client,
            runtime,
            warned: std::cell::Cell::new(false),
        };
        if ctx.identity.has_credentials() {
            ctx.before_credentials();
        }
        Ok(ctx)
    }

    /// Warns on stderr, once, when credentials are about to go over plain `http://` to a
    /// host that is not this machine (anyone on the way can read them), unless allowed.
    pub fn before_credentials(&self) {
        if self.allow_http || self.warned.get() || !exposed(&self.server) {
            return;
        }
        self.warned.set(true);
        self.printer.warn(&format!(
            "credentials are sent unencrypted to {} (plain http:// to another machine): use https://, or pass --allow-http (or `pintar config set allow_http true`) to accept this",
            self.server
        ));
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs a future to completion (renewed tokens are stored as they arrive).
    pub fn run<T, F>(&self, fut: F) -> Result<T, CliError>
    where
        F: Future<Output = Result<T, CliError>>,
    {
        self.runtime.block_on(fut)
    }

    /// A client that signs in from scratch (login): stored credentials play no part.
    pub fn fresh_client(&self) -> Result<Client, CliError> {
        Ok(Client::builder()
            .base_url(&self.server)
            .user_agent(concat!("pintar-cli/", env!("CARGO_PKG_VERSION")))
            .build()?)
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

    /// Prints text data on stdout, with any control characters from server text dropped
    /// (see [`crate::render::clean`]).
    pub fn print(&self, text: &str) -> Result<(), CliError> {
        self.printer.emit(None, &crate::render::clean(text))
    }
}

/// Whether `server` is plain `http://` to a host other than this machine.
pub fn exposed(server: &str) -> bool {
    let Ok(url) = url::Url::parse(server) else {
        return false;
    };
    if url.scheme() != "http" {
        return false;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d != "localhost" && !d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        None => false,
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
    let read = std::io::stdin()
        .lock()
        .take(MAX_LINE)
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read the terminal: {e}")))?;
    if read == 0 {
        return Err(CliError::Usage("no answer (end of input)".into()));
    }
    Ok(line.trim().to_string())
}

/// Reads a secret: from stdin when `from_stdin` (first line), else from the terminal
/// without echo.
pub fn secret(label: &str, from_stdin: bool) -> Result<String, CliError> {
    let value = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .take(MAX_LINE)
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
