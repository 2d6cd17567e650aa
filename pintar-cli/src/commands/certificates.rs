//! `pintar certificates show|verify`.

use super::{day, table};
use crate::cli::CertificatesCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use futures_util::TryStreamExt;
use pintar_sdk::types::{Certificate, Enrollment};

/// Runs a `certificates` subcommand.
pub fn run(cmd: &CertificatesCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        CertificatesCommand::Show => {
            let certs: Vec<Certificate> = ctx.run(async {
                let all: Vec<Enrollment> = ctx
                    .client()
                    .courses()
                    .enrollments()
                    .per_page(100)
                    .stream()
                    .try_collect()
                    .await?;
                let mut certs = Vec::new();
                for code in all.iter().filter_map(|e| e.certificate_code.as_deref()) {
                    certs.push(ctx.client().certificates().get(code).await?);
                }
                Ok(certs)
            })?;
            if ctx.json {
                return ctx.print_json(&certs);
            }
            if certs.is_empty() {
                ctx.printer
                    .note("No certificates yet: complete a course to earn one.");
                return Ok(());
            }
            let mut t = table(ctx)
                .column(Column::text("code", Priority::Must))
                .column(Column::text("course", Priority::Must).truncate(12, 50))
                .column(Column::text("completed", Priority::Optional(1)));
            for c in &certs {
                t = t.row([c.code.clone(), c.course_title.clone(), day(c.completed_at)]);
            }
            ctx.print(&(t.render() + "\n"))
        }
        CertificatesCommand::Verify { code } => {
            let c = ctx.run(async { Ok(ctx.client().certificates().get(code).await?) })?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            ctx.print(&format!(
                "Valid certificate {}\n  learner:   {}\n  course:    {}\n  completed: {}\n",
                c.code,
                c.learner,
                c.course_title,
                day(c.completed_at)
            ))
        }
    }
}
