//! `pintar learn COURSE` (the next item, interactively) and `pintar quiz` (answers as
//! flags, for scripts).

use crate::cli::{LearnArgs, QuizArgs};
use crate::context::{Context, prompt};
use crate::error::CliError;
use pintar_sdk::types::{AttemptResult, ContentKind, ContentView, QuizView};
use serde::Serialize;
use std::io::IsTerminal;

/// What `learn` did, for `--json`.
#[derive(Debug, Serialize)]
struct Studied {
    content: ContentView,
    completed: bool,
    attempt: Option<AttemptResult>,
    percent: f64,
}

/// Shows the course's next item: a lesson or video is marked complete after it is shown,
/// a quiz is taken on the terminal.
pub fn learn(args: &LearnArgs, ctx: &Context) -> Result<(), CliError> {
    let course = args.course.as_str();
    let courses = ctx.client().courses();
    let (progress, content) = ctx.run(async {
        let progress = match courses.progress(course).await {
            Err(e) if e.status() == Some(403) => {
                // Not enrolled yet: learning a course starts with enrolling in it.
                courses.enroll(course).await?;
                courses.progress(course).await?
            }
            other => other?,
        };
        let content = match &progress.next {
            Some(n) => Some(courses.content(course, &n.content_id).await?),
            None => None,
        };
        Ok((progress, content))
    })?;
    let Some(content) = content else {
        if ctx.json {
            return ctx.print_json(&progress);
        }
        ctx.printer.note(&match &progress.certificate_code {
            Some(code) => format!("Course complete. Your certificate: {code}"),
            None => "Nothing left to study in this course.".into(),
        });
        return Ok(());
    };
    let human = !ctx.json;
    if human {
        // Styled Markdown carries escape sequences of ours; the server's text in it is
        // cleaned before rendering.
        ctx.printer.emit(None, &render_item(&content, ctx))?;
    }
    let (completed, attempt, percent) = match content.kind {
        ContentKind::Quiz => {
            let Some(quiz) = &content.quiz else {
                return Err(CliError::Internal("the quiz came without questions".into()));
            };
            if !std::io::stdin().is_terminal() {
                return Err(CliError::Usage(format!(
                    "this item is a quiz and there is no terminal to answer on: use `pintar quiz {course} --item {} --answer N ...`",
                    content.id
                )));
            }
            if human {
                ctx.print(&questions(quiz))?;
            }
            let answers = ask(quiz)?;
            let result =
                ctx.run(async { Ok(courses.attempt(course, &content.id, answers).await?) })?;
            if human {
                ctx.print(&graded(&result, quiz))?;
            }
            let percent = result.progress.percent;
            (result.passed, Some(result), percent)
        }
        _ if args.no_complete => (false, None, progress.percent),
        _ => {
            let p = ctx.run(async { Ok(courses.complete(course, &content.id).await?) })?;
            if human {
                ctx.printer.note(&format!(
                    "Marked complete: {} of {} items done ({:.0}%).{}",
                    p.completed,
                    p.total,
                    p.percent,
                    p.certificate_code
                        .as_deref()
                        .map(|c| format!(" Course complete: certificate {c}."))
                        .unwrap_or_default()
                ));
            }
            (true, None, p.percent)
        }
    };
    if ctx.json {
        return ctx.print_json(&Studied {
            content,
            completed,
            attempt,
            percent,
        });
    }
    Ok(())
}

/// Answers a quiz from `--answer` flags; without answers, prints its questions.
pub fn quiz(args: &QuizArgs, ctx: &Context) -> Result<(), CliError> {
    let course = args.course.as_str();
    let courses = ctx.client().courses();
    let content = ctx.run(async {
        let id = match &args.item {
            Some(id) => id.clone(),
            None => {
                let p = courses.progress(course).await?;
                match p.next {
                    Some(n) if n.kind == ContentKind::Quiz => n.content_id,
                    Some(n) => {
                        return Err(CliError::Usage(format!(
                            "the next item is the {} '{}', not a quiz: `pintar learn {course}` first, or name a quiz with --item",
                            n.kind, n.title
                        )));
                    }
                    None => return Err(CliError::Usage("nothing left to study".into())),
                }
            }
        };
        Ok(courses.content(course, &id).await?)
    })?;
    let Some(quiz) = &content.quiz else {
        return Err(CliError::Usage(format!(
            "'{}' is a {}, not a quiz",
            content.title, content.kind
        )));
    };
    if args.answers.is_empty() {
        if ctx.json {
            return ctx.print_json(&content);
        }
        return ctx.print(&format!(
            "{}\n{}Answer with --answer for each question, e.g. --answer 2 --answer 1,3\n",
            content.title,
            questions(quiz)
        ));
    }
    if args.answers.len() != quiz.questions.len() {
        return Err(CliError::Usage(format!(
            "the quiz has {} questions and {} answers were given (one --answer per question)",
            quiz.questions.len(),
            args.answers.len()
        )));
    }
    let answers = args
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| parse_answer(a, quiz, i))
        .collect::<Result<Vec<_>, _>>()?;
    let result = ctx.run(async { Ok(courses.attempt(course, &content.id, answers).await?) })?;
    if ctx.json {
        ctx.print_json(&result)?;
    } else {
        ctx.print(&graded(&result, quiz))?;
    }
    if result.passed {
        Ok(())
    } else {
        // A failed quiz is not an error of the tool, but scripts must tell it apart.
        Err(CliError::BadInput(format!(
            "not passed: {:.0}% (pass mark {}%)",
            result.score, result.pass_mark
        )))
    }
}

/// A lesson (Markdown rendered for the terminal), a video link, or a quiz's heading.
fn render_item(c: &ContentView, ctx: &Context) -> String {
    let width = super::width(ctx);
    let mut out = format!(
        "\n== {} ({}, {} min)\n\n",
        crate::render::clean(&c.title),
        c.kind,
        c.estimated_minutes
    );
    if let Some(body) = &c.body {
        out.push_str(&crate::render::markdown(body, width, ctx.printer.color()));
        out.push('\n');
    }
    if let Some(url) = &c.video_url {
        out.push_str(&format!("Video: {}\n", crate::render::clean(url)));
    }
    out
}

fn questions(quiz: &QuizView) -> String {
    let mut out = format!(
        "{} questions, pass mark {}%{}\n",
        quiz.questions.len(),
        quiz.pass_mark,
        quiz.max_attempts
            .map(|m| format!(", attempt {} of {m}", quiz.attempts_used + 1))
            .unwrap_or_default()
    );
    for (i, q) in quiz.questions.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {}{}\n",
            i + 1,
            q.prompt,
            if q.multiple {
                " (choose all that apply)"
            } else {
                ""
            }
        ));
        for (j, choice) in q.choices.iter().enumerate() {
            out.push_str(&format!("   {}) {choice}\n", j + 1));
        }
    }
    out
}

/// Asks each question on the terminal until the answer is well-formed.
fn ask(quiz: &QuizView) -> Result<Vec<Vec<u32>>, CliError> {
    let mut answers = Vec::with_capacity(quiz.questions.len());
    for (i, q) in quiz.questions.iter().enumerate() {
        loop {
            let hint = if q.multiple {
                "numbers, commas between"
            } else {
                "a number"
            };
            let line = prompt(&format!("Answer to {} ({hint}): ", i + 1))?;
            match parse_answer(&line, quiz, i) {
                Ok(a) => {
                    answers.push(a);
                    break;
                }
                Err(e) => eprintln!("{e}"),
            }
        }
    }
    Ok(answers)
}

/// `2` or `1,3` (choices from 1) into indexes from 0, checked against question `i`.
fn parse_answer(text: &str, quiz: &QuizView, i: usize) -> Result<Vec<u32>, CliError> {
    let Some(q) = quiz.questions.get(i) else {
        return Err(CliError::Usage(format!(
            "the quiz has {} questions; answer {} is one too many",
            quiz.questions.len(),
            i + 1
        )));
    };
    let mut picked = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: usize = part.parse().map_err(|_| {
            CliError::Usage(format!("answer {}: '{part}' is not a choice number", i + 1))
        })?;
        if n == 0 || n > q.choices.len() {
            return Err(CliError::Usage(format!(
                "answer {}: choose 1 to {}",
                i + 1,
                q.choices.len()
            )));
        }
        let idx = u32::try_from(n - 1).unwrap_or(u32::MAX);
        if !picked.contains(&idx) {
            picked.push(idx);
        }
    }
    if picked.is_empty() {
        return Err(CliError::Usage(format!(
            "answer {}: choose at least one",
            i + 1
        )));
    }
    if picked.len() > 1 && !q.multiple {
        return Err(CliError::Usage(format!(
            "answer {}: choose only one",
            i + 1
        )));
    }
    Ok(picked)
}

/// The grade, and per question whether it was right (with the explanation when given).
fn graded(r: &AttemptResult, quiz: &QuizView) -> String {
    let mut out = format!(
        "\n{} — {:.0}% ({} of {} right; pass mark {}%){}\n",
        if r.passed { "Passed" } else { "Not passed" },
        r.score,
        r.correct,
        r.total,
        r.pass_mark,
        r.attempts_left
            .map(|n| format!(", {n} attempts left"))
            .unwrap_or_default()
    );
    for (i, q) in r.questions.iter().enumerate() {
        let prompt = quiz
            .questions
            .get(i)
            .map(|q| q.prompt.as_str())
            .unwrap_or("");
        out.push_str(&format!(
            "{} {}. {prompt}\n",
            if q.correct { "✓" } else { "✗" },
            i + 1
        ));
        if let Some(right) = &q.correct_answers
            && !q.correct
        {
            let list: Vec<String> = right.iter().map(|a| (a + 1).to_string()).collect();
            out.push_str(&format!("     right answer: {}\n", list.join(", ")));
        }
        if let Some(why) = &q.explanation {
            out.push_str(&format!("     {why}\n"));
        }
    }
    if let Some(code) = &r.progress.certificate_code {
        out.push_str(&format!("Course complete: certificate {code}.\n"));
    }
    out
}
