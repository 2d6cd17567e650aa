//! `pintar-server`: serve (default), or `migrate`.

use clap::{Parser, Subcommand};
use pintar_server::{AppState, Settings, app, storage};
use std::process::ExitCode;
use std::sync::Arc;

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
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
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
    if matches!(cli.command, Some(Command::Migrate)) {
        println!("migrations applied");
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(settings.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "serving");
    let app = pintar_server::router(AppState {
        db,
        settings: Arc::new(settings),
    });
    app::serve(listener, app, app::shutdown_signal()).await?;
    Ok(())
}
