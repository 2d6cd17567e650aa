//! `pintar courses list|show|enroll|unenroll|progress`.

use super::{bar, day, table};
use crate::cli::{CourseListArgs, CoursesCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use futures_util::TryStreamExt;
use pintar_sdk::types::{CourseDetail, CourseProgress, CourseSummary, Enrollment, Page};

/// Runs a `courses` subcommand.
pub fn run(cmd: &CoursesCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        CoursesCommand::List(args) => list(args, ctx),
        CoursesCommand::Show { course } => {
            let c = ctx.run(async { Ok(ctx.client().courses().get(course).await?) })?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            ctx.print(&outline(&c, ctx))
        }
        CoursesCommand::Enroll { course } => {
            let e = ctx.run(async { Ok(ctx.client().courses().enroll(course).await?) })?;
            if ctx.json {
                return ctx.print_json(&e);
            }
            ctx.printer.note(&format!(
                "Enrolled in '{}'. Start with `pintar learn {}`.",
                e.course.title, e.course.slug
            ));
            Ok(())
        }
        CoursesCommand::Unenroll { course } => {
            ctx.run(async { Ok(ctx.client().courses().unenroll(course).await?) })?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"unenrolled": course}));
            }
            ctx.printer.note(&format!("Left {course}."));
            Ok(())
        }
        CoursesCommand::Progress {
            course: Some(course),
        } => {
            let p = ctx.run(async { Ok(ctx.client().courses().progress(course).await?) })?;
            if ctx.json {
                return ctx.print_json(&p);
            }
            ctx.print(&progress(&p, ctx))
        }
        CoursesCommand::Progress { course: None } => {
            let all: Vec<Enrollment> = ctx.run(async {
                Ok(ctx
                    .client()
                    .courses()
                    .enrollments()
                    .per_page(100)
                    .stream()
                    .try_collect()
                    .await?)
            })?;
            if ctx.json {
                return ctx.print_json(&all);
            }
            if all.is_empty() {
                ctx.printer
                    .note("Not enrolled in any course: `pintar courses list` shows the catalogue.");
                return Ok(());
            }
            let mut t = table(ctx)
                .column(Column::text("course", Priority::Must))
                .column(Column::text("title", Priority::Optional(2)).truncate(10, 40))
                .column(Column::text("progress", Priority::Must))
                .column(Column::text("enrolled", Priority::Optional(3)))
                .column(Column::text("certificate", Priority::Optional(1)).short("cert"));
            for e in &all {
                t = t.row([
                    e.course.slug.clone(),
                    e.course.title.clone(),
                    bar(e.percent, 10),
                    day(e.enrolled_at),
                    e.certificate_code.clone().unwrap_or_default(),
                ]);
            }
            ctx.print(&(t.render() + "\n"))
        }
    }
}

fn list(args: &CourseListArgs, ctx: &Context) -> Result<(), CliError> {
    let build = || {
        let mut req = ctx
            .client()
            .courses()
            .list()
            .page(args.page)
            .per_page(args.per_page);
        if let Some(q) = &args.search {
            req = req.search(q.as_str());
        }
        if let Some(l) = &args.level {
            req = req.level(l.as_str());
        }
        if let Some(t) = &args.tag {
            req = req.tag(t.as_str());
        }
        if let Some(s) = &args.sort {
            req = req.sort(s.as_str());
        }
        req
    };
    let page: Page<CourseSummary> = if args.all {
        let items: Vec<CourseSummary> =
            ctx.run(async { Ok(build().page(1).stream().try_collect().await?) })?;
        Page {
            total: items.len() as u64,
            page: 1,
            per_page: items.len().max(1) as u64,
            items,
        }
    } else {
        ctx.run(async { Ok(build().send().await?) })?
    };
    if ctx.json {
        return ctx.print_json(&page);
    }
    if page.items.is_empty() {
        ctx.printer.note("No courses match.");
        return Ok(());
    }
    let mut t = table(ctx)
        .column(Column::text("course", Priority::Must))
        .column(Column::text("title", Priority::Must).truncate(12, 34))
        .column(Column::number("minutes", Priority::Optional(1)).short("min"))
        .column(Column::text("level", Priority::Optional(2)))
        .column(Column::number("items", Priority::Optional(4)))
        .column(Column::text("tags", Priority::Optional(5)).truncate(6, 30));
    for c in &page.items {
        t = t.row([
            c.slug.clone(),
            c.title.clone(),
            c.estimated_minutes.to_string(),
            c.level.as_str().to_string(),
            c.items.to_string(),
            c.tags.join(", "),
        ]);
    }
    let mut text = t.render() + "\n";
    if !args.all && page.pages() > 1 {
        text.push_str(&format!(
            "page {} of {} ({} courses; --page N or --all)\n",
            page.page,
            page.pages(),
            page.total
        ));
    }
    ctx.print(&text)
}

/// A course's header and outline.
fn outline(c: &CourseDetail, ctx: &Context) -> String {
    let width = super::width(ctx);
    let s = &c.course;
    let mut out = format!(
        "{} ({})\n{} · {} min · {} items{}\n\n{}\n",
        s.title,
        s.slug,
        s.level,
        s.estimated_minutes,
        s.items,
        if c.enrolled { " · enrolled" } else { "" },
        crate::render::fit::wrap(&s.summary, width, "")
    );
    for (i, section) in c.outline.iter().enumerate() {
        out.push_str(&format!("\n{}. {}\n", i + 1, section.title));
        for item in &section.items {
            out.push_str(&format!(
                "   - [{}] {} ({} min)\n",
                item.kind, item.title, item.estimated_minutes
            ));
        }
    }
    if !c.enrolled {
        out.push_str(&format!(
            "\nEnrol with `pintar courses enroll {}`.\n",
            s.slug
        ));
    }
    out
}

/// Progress per section, and what comes next.
fn progress(p: &CourseProgress, ctx: &Context) -> String {
    let mut out = format!(
        "{} of {} items done {}\n",
        p.completed,
        p.total,
        bar(p.percent, 20)
    );
    let mut t = table(ctx)
        .column(Column::text("section", Priority::Must).truncate(10, 50))
        .column(Column::text("done", Priority::Must))
        .column(Column::text("progress", Priority::Optional(1)));
    for s in &p.sections {
        t = t.row([
            s.title.clone(),
            format!("{}/{}", s.completed, s.total),
            bar(s.percent, 10),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    match (&p.next, &p.certificate_code) {
        (_, Some(code)) => out.push_str(&format!(
            "Completed. Certificate {code} (`pintar certificates verify {code}`).\n"
        )),
        (Some(n), None) => out.push_str(&format!(
            "Next: [{}] {} — `pintar learn {}`\n",
            n.kind, n.title, p.course_id
        )),
        (None, None) => {}
    }
    out
}
