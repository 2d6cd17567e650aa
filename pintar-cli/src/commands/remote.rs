//! `pintar analyze FILE --remote` and `pintar runs list|show|download`: analysis on the
//! server, shown exactly as a local one.

use super::{day, table};
use crate::cli::{AnalyzeArgs, RunsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use indicatif::{ProgressBar, ProgressStyle};
use pintar_sdk::types::{AnalysisRun, RunStatus};
use pintar_sdk::{Analysis, DataFormat};
use std::io::IsTerminal;
use std::time::Duration;

/// Uploads the file with a progress bar, waits (spinner) for the report or the job, and
/// presents it as `analyze` does locally.
pub fn analyze(args: &AnalyzeArgs, ctx: &Context) -> Result<(), CliError> {
    if ctx.json && args.csv {
        return Err(CliError::Usage("choose one of --json and --csv".into()));
    }
    let path = &args.input.file;
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let shown = !ctx.printer.quiet() && std::io::stderr().is_terminal();
    let bar = if shown {
        let bar = ProgressBar::new(bytes.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("uploading {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let spinner = bar.clone();
    let report = ctx.run(async {
        let analysis = ctx.client().analysis();
        let mut req = analysis
            .analyze_bytes(bytes)
            .format(DataFormat::from_path(path))
            .duplicates(args.input.duplicates.into())
            .outliers(args.input.outliers.into())
            .iqr(args.input.iqr)
            .categories(&args.input.categories)
            .progress(move |sent, _| bar.set_position(sent));
        if let Some(h) = args.horizon {
            req = req.horizon(h);
        }
        if let Some(f) = args.input.frequency {
            req = req.frequency(f);
        }
        if let Some(d) = &args.input.date_format {
            req = req.date_format(d.as_str());
        }
        let outcome = req.send().await;
        spin(&spinner, "the server is analysing");
        let (run_id, report) = match outcome? {
            Analysis::Done { run_id, report } => (run_id, *report),
            Analysis::Queued(run) => {
                spin(&spinner, &format!("queued as job {}; waiting", run.id));
                analysis.wait(&run.id, Duration::from_secs(3600)).await?;
                (Some(run.id.clone()), analysis.report(&run.id).await?)
            }
            _ => return Err(CliError::Internal("the server answered CSV".into())),
        };
        Ok((run_id, report))
    });
    spinner.finish_and_clear();
    let (run_id, report) = report?;
    if let Some(id) = run_id {
        ctx.printer
            .note(&format!("run {id} (`pintar runs show {id}`)"));
    }
    super::analyze::present(&report, args, &ctx.printer, ctx.json)
}

/// Turns the bar into a spinner with `message`.
fn spin(bar: &ProgressBar, message: &str) {
    if bar.is_hidden() {
        return;
    }
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
}

/// Runs a `runs` subcommand.
pub fn runs(cmd: &RunsCommand, ctx: &Context) -> Result<(), CliError> {
    let analysis = ctx.client().analysis();
    match cmd {
        RunsCommand::List {
            status,
            page,
            per_page,
        } => {
            let status = status
                .as_deref()
                .map(|s| {
                    RunStatus::parse(s).ok_or_else(|| {
                        CliError::Usage(format!(
                            "unknown status '{s}' (queued, running, succeeded, failed)"
                        ))
                    })
                })
                .transpose()?;
            let page = ctx.run(async {
                let mut req = analysis.runs().page(*page).per_page(*per_page);
                if let Some(s) = status {
                    req = req.status(s);
                }
                Ok(req.send().await?)
            })?;
            if ctx.json {
                return ctx.print_json(&page);
            }
            if page.items.is_empty() {
                ctx.printer
                    .note("No runs yet: `pintar analyze FILE --remote` makes one.");
                return Ok(());
            }
            let mut t = table(ctx)
                .column(Column::text("id", Priority::Must))
                .column(Column::text("status", Priority::Must))
                .column(Column::text("source", Priority::Optional(2)).truncate(8, 30))
                .column(Column::number("series", Priority::Optional(1)))
                .column(Column::number("ms", Priority::Optional(4)))
                .column(Column::text("created", Priority::Optional(3)));
            for r in &page.items {
                t = t.row([
                    r.id.clone(),
                    r.status.as_str().to_string(),
                    r.source.clone(),
                    r.summary
                        .as_ref()
                        .map(|s| s.series_count.to_string())
                        .unwrap_or_default(),
                    r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
                    day(r.created_at),
                ]);
            }
            let mut text = t.render() + "\n";
            if page.pages() > 1 {
                text.push_str(&format!("page {} of {}\n", page.page, page.pages()));
            }
            ctx.print(&text)
        }
        RunsCommand::Show { id } => {
            let run = ctx.run(async { Ok(analysis.run(id).await?) })?;
            if ctx.json {
                return ctx.print_json(&run);
            }
            ctx.print(&describe(&run))
        }
        RunsCommand::Download { id, csv, output } => {
            let text = ctx.run(async {
                if *csv {
                    Ok(analysis.report_csv(id).await?)
                } else {
                    let report = analysis.report(id).await?;
                    serde_json::to_string(&report)
                        .map(|s| s + "\n")
                        .map_err(|e| CliError::Internal(format!("cannot encode the report: {e}")))
                }
            })?;
            ctx.printer.emit(output.as_deref(), &text)
        }
    }
}

fn describe(r: &AnalysisRun) -> String {
    let mut out = format!(
        "run {}\n  status:   {}\n  source:   {} ({}, {} bytes)\n  created:  {}\n",
        r.id,
        r.status.as_str(),
        r.source,
        r.input_format,
        r.input_bytes,
        r.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    if let Some(ms) = r.duration_ms {
        out.push_str(&format!("  took:     {ms} ms\n"));
    }
    if let Some(s) = &r.summary {
        out.push_str(&format!(
            "  series:   {} ({} forecast), {} rows read, {} used\n",
            s.series_count, s.forecasted, s.rows_read, s.rows_used
        ));
    }
    if let Some(e) = &r.error {
        out.push_str(&format!("  error:    {} ({})\n", e.detail, e.code));
    }
    if r.status == RunStatus::Succeeded {
        out.push_str(&format!(
            "Download with `pintar runs download {}` (--csv for the table).\n",
            r.id
        ));
    }
    out
}
