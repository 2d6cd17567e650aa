//! `pintar-server`: serve (default), `migrate`, `create-admin` or `verify-email`.

use clap::{Parser, Subcommand};
use pintar_server::accounts::bootstrap;
use pintar_server::auth::AuthKeys;
use pintar_server::setup::{app, secrets, workers};
use pintar_server::{AppState, Settings, storage};
use std::process::ExitCode;

/// The Pintar Ekspor server. Configuration: PINTAR_* environment variables or pintar.toml.
#[derive(Debug, Parser)]
#[command(name = "pintar-server", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an admin, or make an existing account admin. Reads the password from
    /// PINTAR_ADMIN_PASSWORD, else from the first line of standard input.
    CreateAdmin {
        /// The admin's email.
        #[arg(long)]
        email: String,
    },
    /// Mark an account's email verified, as if its owner had opened the link (for an
    /// operator who confirmed the address another way).
    VerifyEmail {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::load()?;
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = storage::connect(&settings.database_url()).await?;
    storage::migrate(&db).await?;
    match cli.command {
        Some(Command::Migrate) => {
            println!("migrations applied");
            return Ok(());
        }
        Some(Command::CreateAdmin { email }) => {
            let password = match &settings.admin_password {
                Some(p) => p.clone(),
                None => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let admin = bootstrap::create_admin(&db, &email, &password).await?;
            println!("{} is now an admin", admin.email);
            return Ok(());
        }
        Some(Command::VerifyEmail { email }) => {
            let account =
                pintar_server::accounts::recovery::verify_by_operator(&db, &email).await?;
            println!("{} is verified", account.email);
            return Ok(());
        }
        Some(Command::Serve) | None => {}
    }
    // Refuse a weak secret before anything else happens.
    let auth = AuthKeys::new(secrets::jwt_secret(&settings)?.as_bytes())?;
    if let Some(generated) = bootstrap::ensure_admin(
        &db,
        settings.admin_email.as_deref(),
        settings.admin_password.as_deref(),
    )
    .await?
    {
        // Shown once, on the terminal that started the server; never logged.
        println!(
            "Created the first admin: {} with password {}\nChange it after signing in (PATCH /api/v1/users/me).",
            generated.email, generated.password
        );
    }
    if settings.seed_demo {
        let added = pintar_server::learning::seed::seed_demo(&db).await?;
        if added > 0 {
            tracing::info!(courses = added, "loaded the demo courses");
        }
    }
    let listener = tokio::net::TcpListener::bind(settings.bind).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving; API docs at http://{address}/docs/");
    let limiter = pintar_server::http::ratelimit::RateLimiter::connect(&settings).await?;
    if settings.redis_url.is_some() {
        tracing::info!("rate limits are counted in Redis");
    }
    let state = AppState::new(db, settings, auth)?.with_limiter(limiter);
    let workers = workers::spawn(&state)?;
    let app = pintar_server::router(state);
    let served = app::serve(listener, app, app::shutdown_signal()).await;
    workers.shutdown().await;
    served?;
    Ok(())
}
