//! `pintar insights progress|courses|engagement|completion|activity` (alias `analytics`):
//! platform figures about learning, one function per subcommand.

use super::{bar, day, table};
use crate::cli::InsightsCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use crate::render::num;
use futures_util::TryStreamExt;
use pintar_sdk::types::{ActivityInterval, ActivityMetric};

/// Rows fetched for the aggregate lists (every course, a page at a time).
const PER_PAGE: u64 = 100;

/// Runs an `insights` subcommand.
pub fn run(cmd: &InsightsCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        InsightsCommand::Progress { user } => progress(ctx, user.as_deref()),
        InsightsCommand::Courses => courses(ctx),
        InsightsCommand::Engagement { from, to } => engagement(ctx, *from, *to),
        InsightsCommand::Completion => completion(ctx),
        InsightsCommand::Activity {
            metric,
            interval,
            horizon,
            last,
        } => activity(ctx, metric, interval, *horizon, *last),
    }
}

/// Each learner's progress in each course.
fn progress(ctx: &Context, user: Option<&str>) -> Result<(), CliError> {
    let insights = ctx.client().insights();
    let rows: Vec<_> = ctx.run(async {
        let mut req = insights.user_progress().per_page(PER_PAGE);
        if let Some(u) = user {
            req = req.user(u);
        }
        Ok(req.stream().try_collect().await?)
    })?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    let mut t = table(ctx)
        .column(Column::text("user", Priority::Must))
        .column(Column::text("course", Priority::Must).truncate(8, 30))
        .column(Column::text("progress", Priority::Must))
        .column(Column::text("last active", Priority::Optional(1)).short("active"));
    for r in &rows {
        t = t.row([
            r.user_id.clone(),
            r.course_slug.clone(),
            bar(r.percent, 10),
            day(r.last_activity_at),
        ]);
    }
    print_table(ctx, rows.is_empty(), t)
}

/// How far learners are in each course.
fn courses(ctx: &Context) -> Result<(), CliError> {
    let insights = ctx.client().insights();
    let rows: Vec<_> = ctx.run(async {
        Ok(insights
            .course_progress()
            .per_page(PER_PAGE)
            .stream()
            .try_collect()
            .await?)
    })?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    let mut t = table(ctx)
        .column(Column::text("course", Priority::Must).truncate(8, 36))
        .column(Column::number("learners", Priority::Must))
        .column(Column::number("completed", Priority::Optional(1)).short("done"))
        .column(Column::text("average", Priority::Must));
    for r in &rows {
        t = t.row([
            r.course_slug.clone(),
            r.learners.to_string(),
            r.completed.to_string(),
            bar(r.average_percent, 10),
        ]);
    }
    print_table(ctx, rows.is_empty(), t)
}

/// Enrollments, opens and quiz attempts per course, over a window of days.
fn engagement(
    ctx: &Context,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(), CliError> {
    let insights = ctx.client().insights();
    let rows: Vec<_> = ctx.run(async {
        let mut req = insights.engagement().per_page(PER_PAGE);
        if let Some(f) = from {
            req = req.from(f);
        }
        if let Some(t) = to {
            req = req.to(t);
        }
        Ok(req.stream().try_collect().await?)
    })?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    let mut t = table(ctx)
        .column(Column::text("course", Priority::Must).truncate(8, 36))
        .column(Column::number("enrollments", Priority::Must).short("enrol"))
        .column(Column::number("opens", Priority::Must))
        .column(Column::number("quiz attempts", Priority::Optional(1)).short("quiz"))
        .column(Column::number("avg score", Priority::Optional(2)).short("score"));
    for r in &rows {
        t = t.row([
            r.course_slug.clone(),
            r.enrollments.to_string(),
            r.content_opens.to_string(),
            r.quiz_attempts.to_string(),
            r.average_quiz_score.map(num).unwrap_or_else(|| "–".into()),
        ]);
    }
    print_table(ctx, rows.is_empty(), t)
}

/// Completion rate and time to complete per course.
fn completion(ctx: &Context) -> Result<(), CliError> {
    let insights = ctx.client().insights();
    let rows: Vec<_> = ctx.run(async {
        Ok(insights
            .completion()
            .per_page(PER_PAGE)
            .stream()
            .try_collect()
            .await?)
    })?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    let mut t = table(ctx)
        .column(Column::text("course", Priority::Must).truncate(8, 36))
        .column(Column::number("learners", Priority::Must))
        .column(Column::number("completed", Priority::Must).short("done"))
        .column(Column::number("rate", Priority::Must))
        .column(Column::number("median days", Priority::Optional(1)).short("days"));
    for r in &rows {
        t = t.row([
            r.course_slug.clone(),
            r.learners.to_string(),
            r.completed.to_string(),
            format!("{:.1}%", r.completion_rate),
            r.median_seconds_to_complete
                .map(|s| format!("{:.1}", s / 86_400.0))
                .unwrap_or_else(|| "–".into()),
        ]);
    }
    print_table(ctx, rows.is_empty(), t)
}

/// A daily or weekly activity series with its forecast: a summary, then the recent
/// history and the forecast with its bands.
fn activity(
    ctx: &Context,
    metric: &str,
    interval: &str,
    horizon: Option<u32>,
    last: usize,
) -> Result<(), CliError> {
    let insights = ctx.client().insights();
    let metric = parse_metric(metric)?;
    let interval = match interval {
        "day" => ActivityInterval::Day,
        "week" => ActivityInterval::Week,
        other => {
            return Err(CliError::Usage(format!(
                "unknown interval '{other}' (day, week)"
            )));
        }
    };
    let series = ctx.run(async {
        let mut req = insights
            .activity()
            .metric(metric)
            .interval(interval)
            .forecast(true);
        if let Some(h) = horizon {
            req = req.horizon(h);
        }
        Ok(req.send().await?)
    })?;
    if ctx.json {
        return ctx.print_json(&series);
    }
    let total: f64 = series.points.iter().map(|p| p.value).sum();
    let mut text = format!(
        "{} per {} from {} to {}: {} in all\n",
        metric.as_str(),
        if interval == ActivityInterval::Day {
            "day"
        } else {
            "week"
        },
        series.from,
        series.to,
        num(total)
    );
    if let Some(f) = &series.forecast {
        text.push_str(&format!(
            "forecast ({}, MASE {}): {}\n",
            f.model,
            f.mase.map(num).unwrap_or_else(|| "–".into()),
            f.points
                .iter()
                .take(7)
                .map(|p| format!("{} {}", p.date, num(p.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(note) = &series.note {
        text.push_str(&format!("note: {note}\n"));
    }
    // The recent history and the forecast with its bands, dated.
    let mut t = table(ctx)
        .column(Column::text("date", Priority::Must))
        .column(Column::number("value", Priority::Must))
        .column(Column::number("80% band", Priority::Optional(1)).short("80%"))
        .column(Column::number("95% band", Priority::Optional(2)).short("95%"));
    let recent = series.points.len().saturating_sub(last);
    for p in &series.points[recent..] {
        t = t.row([
            p.date.to_string(),
            num(p.value),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(f) = &series.forecast {
        for p in &f.points {
            t = t.row([
                format!("{} (forecast)", p.date),
                num(p.value),
                format!("{} – {}", num(p.lower_80), num(p.upper_80)),
                format!("{} – {}", num(p.lower_95), num(p.upper_95)),
            ]);
        }
    }
    text.push_str(&t.render());
    text.push('\n');
    ctx.print(&text)
}

fn print_table(ctx: &Context, empty: bool, t: crate::render::fit::Table) -> Result<(), CliError> {
    if empty {
        ctx.printer.note("Nothing to show yet.");
        return Ok(());
    }
    ctx.print(&(t.render() + "\n"))
}

fn parse_metric(s: &str) -> Result<ActivityMetric, CliError> {
    use ActivityMetric as M;
    [
        M::Enrollments,
        M::ContentOpens,
        M::Completions,
        M::QuizAttempts,
        M::ActiveLearners,
    ]
    .into_iter()
    // `enrolments` was the name before 0.2.
    .find(|m| m.as_str() == s || (s == "enrolments" && *m == M::Enrollments))
    .ok_or_else(|| {
        CliError::Usage(format!(
            "unknown metric '{s}' (enrollments, content_opens, completions, quiz_attempts, active_learners)"
        ))
    })
}
