//! `pintar admin users|courses|audit|emails`.

use super::{day, table};
use crate::cli::{AdminCommand, AdminCoursesCommand, AdminUsersCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use pintar_sdk::types::{CourseDocument, Role, UserProfile};
use std::io::Read;

/// Runs an `admin` subcommand.
pub fn run(cmd: &AdminCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        AdminCommand::Users(c) => users(c, ctx),
        AdminCommand::Courses(c) => courses(c, ctx),
        AdminCommand::Audit {
            table: tbl,
            actor,
            limit,
        } => {
            let page = ctx.run(async {
                let mut req = ctx
                    .client()
                    .admin()
                    .audit()
                    .per_page((*limit).clamp(1, 100));
                if let Some(t) = tbl {
                    req = req.table(t.as_str());
                }
                if let Some(a) = actor {
                    req = req.actor(a.as_str());
                }
                Ok(req.send().await?)
            })?;
            if ctx.json {
                return ctx.print_json(&page);
            }
            let mut t = table(ctx)
                .column(Column::text("when", Priority::Must))
                .column(Column::text("operation", Priority::Must).short("op"))
                .column(Column::text("table", Priority::Must))
                .column(Column::text("record", Priority::Optional(1)))
                .column(Column::text("actor", Priority::Optional(2)))
                .column(Column::text("ip", Priority::Optional(3)));
            for e in &page.items {
                t = t.row([
                    e.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    e.operation.clone(),
                    e.table.clone(),
                    e.record_id.clone(),
                    e.actor_id.clone().unwrap_or_else(|| "–".into()),
                    e.actor_ip.clone().unwrap_or_else(|| "–".into()),
                ]);
            }
            ctx.print(
                &(t.render() + &format!("\n{} of {} entries\n", page.items.len(), page.total)),
            )
        }
        AdminCommand::Emails { status, limit } => {
            let page = ctx.run(async {
                let mut req = ctx
                    .client()
                    .admin()
                    .emails()
                    .per_page((*limit).clamp(1, 100));
                if let Some(s) = status {
                    req = req.status(s.as_str());
                }
                Ok(req.send().await?)
            })?;
            if ctx.json {
                return ctx.print_json(&page);
            }
            let mut t = table(ctx)
                .column(Column::text("created", Priority::Must))
                .column(Column::text("to", Priority::Must).truncate(10, 32))
                .column(Column::text("kind", Priority::Optional(1)))
                .column(Column::text("status", Priority::Must))
                .column(Column::number("tries", Priority::Optional(2)))
                .column(Column::text("subject", Priority::Optional(3)).truncate(10, 40));
            for e in &page.items {
                t = t.row([
                    e.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    e.to.clone(),
                    e.kind.clone(),
                    e.status.clone(),
                    e.attempts.to_string(),
                    e.subject.clone(),
                ]);
            }
            ctx.print(&(t.render() + &format!("\n{} of {} emails\n", page.items.len(), page.total)))
        }
    }
}

fn parse_role(s: &str) -> Result<Role, CliError> {
    match s {
        "public" | "learner" => Ok(Role::Public),
        "developer" => Ok(Role::Developer),
        "admin" => Ok(Role::Admin),
        other => Err(CliError::Usage(format!(
            "unknown role '{other}' (public, developer, admin)"
        ))),
    }
}

/// A user by id, or by email (looked up with the admin search).
async fn find_user(ctx: &Context, who: &str) -> Result<String, CliError> {
    if !who.contains('@') {
        return Ok(who.to_string());
    }
    // The search matches names too (and newest first): walk every page of matches for
    // the exact email rather than trusting the first page.
    use futures_util::TryStreamExt;
    let mut matches = ctx
        .client()
        .admin()
        .users()
        .search(who)
        .per_page(100)
        .stream();
    let mut found = None;
    while let Some(u) = matches.try_next().await? {
        if u.email.eq_ignore_ascii_case(who) {
            found = Some(u.id);
            break;
        }
    }
    found.ok_or_else(|| CliError::NotFound(format!("no account with email {who}")))
}

fn users(cmd: &AdminUsersCommand, ctx: &Context) -> Result<(), CliError> {
    let admin = ctx.client().admin();
    match cmd {
        AdminUsersCommand::List {
            search,
            role,
            page,
            per_page,
        } => {
            let role = role.as_deref().map(parse_role).transpose()?;
            let page = ctx.run(async {
                let mut req = admin.users().page(*page).per_page(*per_page);
                if let Some(q) = search {
                    req = req.search(q.as_str());
                }
                if let Some(r) = role {
                    req = req.role(r);
                }
                Ok(req.send().await?)
            })?;
            if ctx.json {
                return ctx.print_json(&page);
            }
            let mut t = table(ctx)
                .column(Column::text("id", Priority::Optional(2)))
                .column(Column::text("email", Priority::Must).truncate(12, 40))
                .column(Column::text("name", Priority::Optional(3)).truncate(8, 30))
                .column(Column::text("role", Priority::Must))
                .column(Column::text("active", Priority::Must))
                .column(Column::text("since", Priority::Optional(1)));
            for u in &page.items {
                t = t.row([
                    u.id.clone(),
                    u.email.clone(),
                    u.display_name.clone(),
                    u.role.as_str().to_string(),
                    if u.is_active { "yes" } else { "no" }.to_string(),
                    day(u.created_at),
                ]);
            }
            ctx.print(
                &(t.render()
                    + &format!(
                        "\npage {} of {} ({} users)\n",
                        page.page,
                        page.pages(),
                        page.total
                    )),
            )
        }
        AdminUsersCommand::Role { user, role } => {
            let role = parse_role(role)?;
            let u = ctx.run(async {
                let id = find_user(ctx, user).await?;
                Ok(admin.set_role(&id, role).await?)
            })?;
            changed(ctx, &u)
        }
        AdminUsersCommand::Disable { user, enable } => {
            let u = ctx.run(async {
                let id = find_user(ctx, user).await?;
                Ok(admin.set_active(&id, *enable).await?)
            })?;
            changed(ctx, &u)
        }
    }
}

fn changed(ctx: &Context, u: &UserProfile) -> Result<(), CliError> {
    if ctx.json {
        return ctx.print_json(u);
    }
    ctx.printer.note(&format!(
        "{} is now {} and {} (effective on their next request).",
        u.email,
        u.role.as_str(),
        if u.is_active { "active" } else { "disabled" }
    ));
    Ok(())
}

/// Largest course document read from a file or stdin (the server's upload limit applies
/// too; this keeps a wrong file from being read whole).
const MAX_DOCUMENT: u64 = 64 * 1024 * 1024;

fn courses(cmd: &AdminCoursesCommand, ctx: &Context) -> Result<(), CliError> {
    let admin = ctx.client().admin();
    match cmd {
        AdminCoursesCommand::Import { file } => {
            let mut text = String::new();
            let read = if file.as_os_str() == "-" {
                std::io::stdin()
                    .take(MAX_DOCUMENT)
                    .read_to_string(&mut text)
            } else {
                std::fs::File::open(file)
                    .and_then(|f| f.take(MAX_DOCUMENT).read_to_string(&mut text))
            };
            read.map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
            let doc: CourseDocument = serde_json::from_str(&text).map_err(|e| {
                CliError::BadInput(format!("{} is not a course document: {e}", file.display()))
            })?;
            let c = ctx.run(async { Ok(admin.import_course(&doc).await?) })?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            ctx.printer.note(&format!(
                "Imported '{}' ({}) as a {} course with {} items.",
                c.course.title, c.course.slug, c.course.status, c.course.items
            ));
            Ok(())
        }
        AdminCoursesCommand::Export { course, output } => {
            let doc = ctx.run(async { Ok(admin.export_course(course).await?) })?;
            let text = serde_json::to_string_pretty(&doc)
                .map_err(|e| CliError::Internal(format!("cannot encode the course: {e}")))?;
            ctx.printer.emit(output.as_deref(), &(text + "\n"))
        }
        AdminCoursesCommand::Publish { course } | AdminCoursesCommand::Archive { course } => {
            let publish = matches!(cmd, AdminCoursesCommand::Publish { .. });
            let c = ctx.run(async {
                Ok(if publish {
                    admin.publish_course(course).await?
                } else {
                    admin.archive_course(course).await?
                })
            })?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            ctx.printer.note(&format!(
                "'{}' ({}) is now {}.",
                c.course.title, c.course.slug, c.course.status
            ));
            Ok(())
        }
    }
}
