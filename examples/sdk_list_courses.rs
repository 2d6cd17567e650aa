//! List the course catalogue with the SDK, fetched page by page as a stream; signed in with
//! `PINTAR_EMAIL` and `PINTAR_PASSWORD` when both are set (then your enrolments are listed
//! too), anonymous otherwise.
//!
//! ```text
//! PINTAR_SERVER=http://127.0.0.1:8000 cargo run --example sdk_list_courses
//! ```

use futures_util::TryStreamExt;
use pintar_sdk::Client;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> pintar_sdk::Result<()> {
    let server = std::env::var("PINTAR_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8000".into());
    let mut builder = Client::builder().base_url(server);
    let signed_in = match (
        std::env::var("PINTAR_EMAIL"),
        std::env::var("PINTAR_PASSWORD"),
    ) {
        (Ok(email), Ok(password)) => {
            // The client signs in on its first call, and again if the session ends.
            builder = builder.password(email, password);
            true
        }
        _ => false,
    };
    let client = builder.build()?;

    // Every course, 50 to a page: the next page is fetched only when this one is used up.
    let mut courses = client.courses().list().sort("title").per_page(50).stream();
    let mut count = 0;
    while let Some(c) = courses.try_next().await? {
        count += 1;
        println!(
            "{:<32} {:<12} {:>4} min  {}",
            c.slug,
            c.level.as_str(),
            c.estimated_minutes,
            c.title
        );
    }
    println!("{count} courses");

    if signed_in {
        let enrolled: Vec<_> = client
            .courses()
            .enrollments()
            .stream()
            .try_collect()
            .await?;
        println!("\nenrolled in {}:", enrolled.len());
        for e in enrolled {
            println!("  {:<32} {:>5.1} %", e.course.slug, e.percent);
        }
    }
    Ok(())
}
