//! The job worker: claims queued runs (on any instance's queue: they live in the database)
//! whenever a pool thread is free, renews its claim while the engine works, and writes the
//! outcome. A worker that dies leaves its claim to lapse; another (or this one after a
//! restart) takes the run up again.

use super::runs::{self, Claimed};
use super::{Context, compute, outcome};
use crate::error::ServerError;
use std::time::Instant;
use tokio::sync::watch;

/// Runs the worker until `stop` says so; then hands back the runs this instance still
/// holds (without counting the attempt), for another instance or the next start.
pub async fn work(ctx: Context, mut stop: watch::Receiver<bool>) {
    let runner = ctx.runner.clone();
    loop {
        if *stop.borrow() {
            break;
        }
        let permit = tokio::select! {
            p = runner.pool.permit() => match p {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "analysis worker stops");
                    break;
                }
            },
            _ = stop.changed() => break,
        };
        match runs::claim(&ctx.db, &runner.worker, runner.lease).await {
            Ok(Some(job)) => {
                tokio::spawn(run(ctx.clone(), job, permit));
                continue;
            }
            Ok(None) => drop(permit),
            Err(e) => {
                drop(permit);
                tracing::warn!(error = %e, "cannot claim analysis jobs");
            }
        }
        tokio::select! {
            () = runner.wake.notified() => {}
            () = tokio::time::sleep(runner.poll) => {}
            _ = stop.changed() => {}
        }
    }
    match runs::release(&ctx.db, &runner.worker).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            runs = n,
            "handed unfinished analysis jobs back to the queue"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot hand analysis jobs back; their leases will lapse")
        }
    }
}

async fn run(ctx: Context, job: Claimed, permit: super::pool::RunPermit) {
    let runner = ctx.runner.clone();
    let id = job.id;
    let token = job.token.clone();
    // Keep the claim while the engine works.
    let heartbeat = {
        let db = ctx.db.clone();
        let runner = runner.clone();
        let token = token.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(runner.lease / 3).await;
                match runs::renew(&db, id, &token, runner.lease).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, run = %id, "cannot renew a claim"),
                }
            }
        })
    };
    let started = Instant::now();
    let Claimed {
        options,
        format,
        input,
        owner,
        ..
    } = job;
    // The deadline counts from the claim, as a synchronous analysis's counts from its start.
    let budget = ctx.limits.budget();
    let result = runner
        .pool
        .run(permit, move || {
            compute(&input, format, &options, &budget).map_err(ServerError::from)
        })
        .await
        .and_then(|r| r);
    let duration = started.elapsed();
    let cpu = result.as_ref().map_or(duration, |c| c.cpu);
    let (outcome, _) = outcome(result);
    heartbeat.abort();
    let spent = runs::Spent { duration, cpu };
    match runs::finish(&ctx.db, id, &token, outcome, spent).await {
        Ok(true) => {
            tracing::info!(run = %id, "analysis job done");
            if let Some(owner) = owner
                && let Err(e) = runs::prune(&ctx.db, owner, ctx.limits.keep_runs).await
            {
                tracing::warn!(error = %e, "cannot prune old analysis runs");
            }
        }
        Ok(false) => tracing::info!(run = %id, "analysis job was taken over or deleted"),
        Err(e) => tracing::warn!(error = %e, run = %id, "cannot record an analysis job"),
    }
}
