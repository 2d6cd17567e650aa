//! Checks on what clients send about accounts: email addresses, passwords and the short
//! free-text fields (names) that end up in emails and log lines.

use email_address::{EmailAddress, Options};
use pintar_core::api::FieldError;

/// Longest display name or key name.
pub const MAX_NAME: usize = 100;

/// Longest email address (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;

/// The email address, trimmed and lower-cased, if it is a plain `local@domain.tld`
/// address: no display name, no address literal, no whitespace or control characters
/// (which could smuggle headers into an email).
pub fn email(raw: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("email", "must be an email address like name@example.com");
    let email = raw.trim();
    if email.is_empty()
        || email.len() > MAX_EMAIL
        || email.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad());
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..Options::default()
    };
    EmailAddress::parse_with_options(email, options)
        .map(|e| e.as_str().to_lowercase())
        .map_err(|_| bad())
}

/// Longest password, in characters.
pub const MAX_PASSWORD: usize = 1024;

/// Password rules: 10 to [`MAX_PASSWORD`] characters.
pub fn password(password: &str) -> Option<FieldError> {
    let n = password.chars().count();
    (!(10..=MAX_PASSWORD).contains(&n))
        .then(|| FieldError::new("password", "must be 10 to 1024 characters"))
}

/// Characters no name may hold: controls (C0, DEL, C1), the Unicode line and paragraph
/// separators, and bidirectional overrides and isolates (which disguise text in a log line
/// or an email).
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A one-line text field of 1 to `max` characters once trimmed, with no control
/// characters (no newlines, NUL or escapes to forge a header or a log line).
pub fn single_line(field: &str, value: &str, max: usize) -> Option<FieldError> {
    let value = value.trim();
    let n = value.chars().count();
    if n == 0 || n > max {
        return Some(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    value.chars().any(forbidden).then(|| {
        FieldError::new(
            field,
            "must not contain control characters, line breaks or direction overrides",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email(" Siti@Example.ID ").expect("valid"),
            "siti@example.id"
        );
        for bad in [
            "bad\r\nBcc: victim@example.com",
            "a b@example.com",
            "Siti <siti@example.id>",
            "siti@[127.0.0.1]",
            "siti@localhost",
            "@example.com",
            "siti@",
            "nul\0@example.com",
            &format!("{}@example.com", "a".repeat(250)),
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names() {
        assert!(single_line("n", "Siti Rahma", 100).is_none());
        assert!(single_line("n", "Budi\0", 100).is_some());
        assert!(single_line("n", "a\nb", 100).is_some());
        assert!(single_line("n", "a\u{85}b", 100).is_some());
        assert!(single_line("n", "a\u{2028}b", 100).is_some());
        assert!(single_line("n", "admin\u{202E}gpj.exe", 100).is_some());
        assert!(single_line("n", "   ", 100).is_some());
        assert!(single_line("n", &"é".repeat(101), 100).is_some());
        assert!(password("short").is_some());
    }
}
