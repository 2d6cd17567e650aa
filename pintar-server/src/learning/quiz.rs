//! Quizzes: the learner's view (no answers) and grading on the server.

use crate::error::FieldError;
use pintar_core::api::{Question, QuestionResult, QuestionView};
use std::collections::BTreeSet;

/// The questions without their answers.
pub fn view(questions: &[Question]) -> Vec<QuestionView> {
    questions
        .iter()
        .map(|q| QuestionView {
            prompt: q.prompt.clone(),
            choices: q.choices.clone(),
            multiple: q.answers.len() > 1,
        })
        .collect()
}

/// A graded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    /// Percent right, to one decimal.
    pub score: f64,
    /// Questions answered right.
    pub correct: u32,
    /// Whether each question was answered right.
    pub per_question: Vec<bool>,
}

/// Grades `answers` against `questions`: a question is right when exactly its right choices
/// are chosen. The answers must match the questions in number and range.
pub fn grade(questions: &[Question], answers: &[Vec<u32>]) -> Result<Graded, Vec<FieldError>> {
    let mut errors = Vec::new();
    if answers.len() != questions.len() {
        errors.push(FieldError {
            field: "answers".into(),
            message: format!(
                "must have one entry per question ({}), got {}",
                questions.len(),
                answers.len()
            ),
        });
        return Err(errors);
    }
    for (i, (q, a)) in questions.iter().zip(answers).enumerate() {
        // Checked in this order so that a huge list is refused on its length alone.
        let message = if a.len() > q.choices.len() {
            Some(format!(
                "at most {} choices can be chosen for this question",
                q.choices.len()
            ))
        } else if a.iter().any(|&c| c as usize >= q.choices.len()) {
            Some(format!(
                "choices are numbered 0 to {}",
                q.choices.len().saturating_sub(1)
            ))
        } else if a.iter().collect::<BTreeSet<_>>().len() != a.len() {
            Some("a choice is listed more than once".into())
        } else {
            None
        };
        if let Some(message) = message {
            errors.push(FieldError {
                field: format!("answers[{i}]"),
                message,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let per_question: Vec<bool> = questions
        .iter()
        .zip(answers)
        .map(|(q, a)| {
            let chosen: BTreeSet<u32> = a.iter().copied().collect();
            let right: BTreeSet<u32> = q.answers.iter().copied().collect();
            chosen == right
        })
        .collect();
    let correct = per_question.iter().filter(|c| **c).count() as u32;
    let score = super::progress::percent(correct, questions.len() as u32);
    Ok(Graded {
        score,
        correct,
        per_question,
    })
}

/// Per-question feedback: right or wrong always; the right choices and explanation only when
/// `reveal` (the quiz is passed), so retries stay meaningful.
pub fn feedback(questions: &[Question], graded: &Graded, reveal: bool) -> Vec<QuestionResult> {
    questions
        .iter()
        .zip(&graded.per_question)
        .map(|(q, &correct)| QuestionResult {
            correct,
            correct_answers: reveal.then(|| q.answers.clone()),
            explanation: if reveal { q.explanation.clone() } else { None },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(choices: usize, answers: &[u32]) -> Question {
        Question {
            prompt: "?".into(),
            choices: (0..choices).map(|i| i.to_string()).collect(),
            answers: answers.to_vec(),
            explanation: Some("because".into()),
        }
    }

    #[test]
    fn grades_exact_choice_sets() {
        let qs = [q(4, &[1]), q(4, &[0, 2]), q(3, &[2])];
        let g = grade(&qs, &[vec![1], vec![2, 0], vec![1]]).expect("valid");
        assert_eq!(g.per_question, [true, true, false]);
        assert_eq!((g.correct, g.score), (2, 66.7));
        let g = grade(&qs, &[vec![1], vec![0], vec![2]]).expect("valid");
        assert_eq!(g.correct, 2, "a partial multi-answer is wrong");
        let fb = feedback(&qs, &g, false);
        assert!(
            fb.iter()
                .all(|f| f.correct_answers.is_none() && f.explanation.is_none())
        );
        assert_eq!(feedback(&qs, &g, true)[1].correct_answers, Some(vec![0, 2]));
    }

    #[test]
    fn rejects_malformed_answers() {
        let qs = [q(2, &[0])];
        assert!(grade(&qs, &[]).is_err());
        let e = grade(&qs, &[vec![5]]).expect_err("out of range");
        assert_eq!(e[0].field, "answers[0]");
        assert!(view(&qs).iter().all(|v| !v.multiple));
    }

    #[test]
    fn rejects_repeated_and_too_many_choices() {
        let qs = [q(3, &[0, 2])];
        let e = grade(&qs, &[vec![0, 0]]).expect_err("repeated");
        assert!(e[0].message.contains("more than once"), "{e:?}");
        let e = grade(&qs, &[vec![0; 20_000]]).expect_err("too many");
        assert!(e[0].message.contains("at most 3"), "{e:?}");
        assert!(grade(&qs, &[vec![2, 0]]).expect("valid").per_question[0]);
    }
}
