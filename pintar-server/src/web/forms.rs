//! Forms on pages: reading a URL-encoded form within a limit, the field errors shown by
//! the fields (in the visitor's language), and the small text helpers a re-rendered form
//! uses.

use super::i18n::Tr;
use crate::error::{FieldError, ServerError};
use axum::extract::Request;
use serde::de::DeserializeOwned;

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// The first message for `field`.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, as `field: message`.
    pub fn all(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.field, e.message)
                }
            })
            .collect()
    }
}

/// A form body of up to `limit` bytes (the editor's forms carry Markdown and quiz JSON, so
/// they get more room than the default body limit: URL-encoding can triple a text's size).
pub async fn read_form<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, ServerError> {
    let bytes = crate::http::body::read_body(req, limit).await?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| ServerError::BadRequest(format!("the form could not be read: {e}")))
}

/// `errors` with the messages of the fields in `words` replaced by the visitor's words (the
/// use cases' messages are English).
pub fn translated(
    errors: Vec<FieldError>,
    t: Tr,
    words: &[(&str, &'static str)],
) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match words.iter().find(|(f, _)| *f == e.field) {
            Some((_, key)) => FieldError::new(e.field, t.get(key).to_string()),
            None => e,
        })
        .collect()
}

/// The message of `field` among `errors`.
pub fn error_of<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// `text` trimmed, or `None` when that leaves nothing.
pub fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// At most `max` characters of `text` (what a re-rendered field or filter shows back).
pub fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_and_text() {
        let errors = FieldErrors(vec![FieldError::new("slug", "taken")]);
        assert_eq!(errors.of("slug"), Some("taken"));
        assert_eq!(errors.of("title"), None);
        assert_eq!(errors.all(), vec!["slug: taken".to_string()]);
        assert_eq!(clip("abcdef", 3), "abc");
        assert_eq!(non_empty("  "), None);
        assert_eq!(non_empty(" a ").as_deref(), Some("a"));
    }
}
