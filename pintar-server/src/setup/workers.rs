//! Background workers, started from one place by `main` and the test server alike: each is
//! a task that runs until [`Workers::shutdown`] (or until the handle is dropped).
//!
//! To add one: spawn its task in [`spawn`] with a clone of the `stop` receiver, and push
//! its handle.

use crate::error::ServerError;
use crate::mail::{self, DeliveryConfig, Provider, Worker};
use crate::setup::state::AppState;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running workers. Dropping the handle tells them to stop; [`Workers::shutdown`]
/// also waits until they have.
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

/// Starts the background workers over `state`: email delivery through the configured
/// provider, and (unless `PINTAR_ANALYTICS_WORKER=false`) the analysis job worker. Fails on settings that cannot work (an unknown provider, a missing host).
pub fn spawn(state: &AppState) -> Result<Workers, ServerError> {
    let settings = &state.settings;
    settings
        .email_locale
        .parse::<mail::Locale>()
        .map_err(ServerError::Config)?;
    let provider = Arc::new(Provider::from_settings(settings)?);
    let config = DeliveryConfig::from_settings(settings)?;
    let (stop, stopped) = watch::channel(false);
    let mut handles = Vec::new();

    let mailer = Worker::new(state.db.clone(), provider.clone(), config);
    tracing::info!(
        provider = provider.name(),
        worker = mailer.id(),
        "email delivery started"
    );
    handles.push(tokio::spawn(mailer.run(state.mail.bell(), stopped.clone())));

    if settings.analytics_worker {
        tracing::info!(
            worker = state.analysis.runner.worker,
            threads = state.analysis.runner.pool.threads(),
            "analysis jobs started"
        );
        handles.push(tokio::spawn(crate::analysis::jobs::work(
            state.analysis.clone(),
            stopped.clone(),
        )));
    }

    Ok(Workers { stop, handles })
}

impl Workers {
    /// Tells every worker to stop and waits for them to finish what they are doing.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for handle in self.handles.drain(..) {
            if let Err(e) = handle.await
                && e.is_panic()
            {
                tracing::error!(error = %e, "a background worker panicked");
            }
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
