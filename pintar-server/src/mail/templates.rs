//! The emails the platform sends, in Indonesian and English, each as plain text and HTML.
//!
//! Every value interpolated into the HTML (names, key names, prefixes) is escaped; the
//! template text itself holds no markup characters. No message ever carries an API key's
//! secret: key emails name the key's visible prefix only.

use pintar_core::api::Role;
use std::fmt::Write as _;
use std::str::FromStr;

/// Language of an email. Accounts have no language setting yet, so the server's
/// `PINTAR_EMAIL_LOCALE` decides; Indonesian by default (the platform's audience).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Locale {
    /// The stored code: `id` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Id => "id",
            Locale::En => "en",
        }
    }
}

impl FromStr for Locale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "id-id" => Ok(Locale::Id),
            "en" | "en-us" | "en-gb" => Ok(Locale::En),
            other => Err(format!("unknown email locale '{other}' (use id or en)")),
        }
    }
}

/// An email about an event on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The account became a developer account; its first API key was made.
    DeveloperUpgrade {
        /// The account's display name.
        name: String,
        /// The key's name.
        key_name: String,
        /// The key's visible prefix (never the secret).
        key_prefix: String,
    },
    /// A new API key was made on the account.
    ApiKeyCreated {
        /// The account's display name.
        name: String,
        /// The key's name.
        key_name: String,
        /// The key's visible prefix (never the secret).
        key_prefix: String,
    },
    /// An administrator changed the account's role.
    RoleChanged {
        /// The account's display name.
        name: String,
        /// The role before.
        from: Role,
        /// The role now.
        to: Role,
        /// Whether the account's API keys were revoked (a demotion to learner).
        keys_revoked: bool,
    },
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// The parts every message has, before it is laid out as text and HTML.
struct Parts {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    details: Vec<(&'static str, String)>,
    closing: &'static str,
}

impl Message {
    /// What it is about, as stored in the outbox: `developer_upgrade`, `api_key_created` or
    /// `role_changed`.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::DeveloperUpgrade { .. } => "developer_upgrade",
            Message::ApiKeyCreated { .. } => "api_key_created",
            Message::RoleChanged { .. } => "role_changed",
        }
    }

    /// The message in `locale`, as text and HTML.
    pub fn render(&self, locale: Locale) -> Rendered {
        let parts = self.parts(locale);
        Rendered {
            subject: parts.subject.clone(),
            text: text(&parts),
            html: html(&parts, locale),
        }
    }

    fn parts(&self, locale: Locale) -> Parts {
        let en = locale == Locale::En;
        let greeting = |name: &str| {
            if en {
                format!("Hello {name},")
            } else {
                format!("Halo {name},")
            }
        };
        let closing = if en {
            "If this was not you, revoke the key under Developer keys and change your password."
        } else {
            "Jika ini bukan Anda, cabut kunci tersebut di menu Kunci Developer dan ganti kata sandi Anda."
        };
        match self {
            Message::DeveloperUpgrade {
                name,
                key_name,
                key_prefix,
            }
            | Message::ApiKeyCreated {
                name,
                key_name,
                key_prefix,
            } => {
                let upgrade = matches!(self, Message::DeveloperUpgrade { .. });
                let (subject, intro) = match (upgrade, en) {
                    (true, true) => (
                        "Welcome, developer: your Pintar Ekspor API key",
                        "Your account is now a developer account and your first API key was created.",
                    ),
                    (true, false) => (
                        "Selamat datang, developer: kunci API Pintar Ekspor Anda",
                        "Akun Anda kini akun developer dan kunci API pertama Anda telah dibuat.",
                    ),
                    (false, true) => (
                        "A new Pintar Ekspor API key",
                        "A new API key was created on your account.",
                    ),
                    (false, false) => (
                        "Kunci API Pintar Ekspor baru",
                        "Sebuah kunci API baru telah dibuat di akun Anda.",
                    ),
                };
                let shown_once = if en {
                    "The full key was shown only once, when it was created; this email names its prefix only."
                } else {
                    "Kunci lengkap hanya ditampilkan sekali, saat dibuat; email ini hanya menyebut awalannya."
                };
                Parts {
                    subject: subject.into(),
                    greeting: greeting(name.as_str()),
                    paragraphs: vec![intro.into(), shown_once.into()],
                    details: vec![
                        (if en { "Name" } else { "Nama" }, key_name.clone()),
                        (
                            if en { "Key prefix" } else { "Awalan kunci" },
                            format!("{key_prefix}…"),
                        ),
                    ],
                    closing,
                }
            }
            Message::RoleChanged {
                name,
                from,
                to,
                keys_revoked,
            } => {
                let (from, to) = (role_name(*from, locale), role_name(*to, locale));
                let mut paragraphs = vec![if en {
                    format!(
                        "An administrator changed your role from {from} to {to}. It takes effect at once."
                    )
                } else {
                    format!(
                        "Seorang administrator mengubah peran Anda dari {from} menjadi {to}. Perubahan berlaku saat ini juga."
                    )
                }];
                if *keys_revoked {
                    paragraphs.push(if en {
                        "Your API keys have been revoked.".into()
                    } else {
                        "Kunci API Anda telah dicabut.".into()
                    });
                }
                Parts {
                    subject: if en {
                        "Your Pintar Ekspor role has changed".into()
                    } else {
                        "Peran Anda di Pintar Ekspor telah berubah".into()
                    },
                    greeting: greeting(name.as_str()),
                    paragraphs,
                    details: Vec::new(),
                    closing: if en {
                        "If you did not expect this, reply to this email."
                    } else {
                        "Jika Anda tidak mengharapkan perubahan ini, balas email ini."
                    },
                }
            }
        }
    }
}

fn role_name(role: Role, locale: Locale) -> &'static str {
    match (role, locale) {
        (Role::Public, Locale::En) => "learner",
        (Role::Public, Locale::Id) => "pelajar",
        (Role::Developer, _) => "developer",
        (Role::Admin, _) => "administrator",
    }
}

fn text(p: &Parts) -> String {
    let mut out = format!("{}\n\n", p.greeting);
    for para in &p.paragraphs {
        out.push_str(para);
        out.push_str("\n\n");
    }
    for (label, value) in &p.details {
        let _ = writeln!(out, "{label}: {value}");
    }
    if !p.details.is_empty() {
        out.push('\n');
    }
    out.push_str(p.closing);
    out.push_str("\n\n-- \nPintar Ekspor\n");
    out
}

fn html(p: &Parts, locale: Locale) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{}</p>\n",
        locale.as_str(),
        escape(&p.subject),
        escape(&p.greeting)
    );
    for para in &p.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", escape(para));
    }
    if !p.details.is_empty() {
        out.push_str("<ul>\n");
        for (label, value) in &p.details {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>: <code>{}</code></li>",
                escape(label),
                escape(value)
            );
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(out, "<p>{}</p>", escape(p.closing));
    out.push_str("<p>&mdash; Pintar Ekspor</p>\n</body></html>\n");
    out
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_email() -> Message {
        Message::ApiKeyCreated {
            name: "<script>alert(1)</script> & Co".into(),
            key_name: "ci \"prod\"".into(),
            key_prefix: "pk_AbCd1234".into(),
        }
    }

    #[test]
    fn html_escapes_every_interpolated_value() {
        let r = key_email().render(Locale::En);
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(
            r.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co")
        );
        assert!(r.html.contains("ci &quot;prod&quot;"));
        // The text part is not HTML: it keeps the name as typed.
        assert!(r.text.contains("Hello <script>alert(1)</script> & Co,"));
    }

    #[test]
    fn both_languages_name_the_prefix() {
        let en = key_email().render(Locale::En);
        let id = key_email().render(Locale::Id);
        for r in [&en, &id] {
            assert!(r.text.contains("pk_AbCd1234…"), "{}", r.text);
            assert!(r.html.contains("<code>pk_AbCd1234…</code>"), "{}", r.html);
        }
        assert_eq!(en.subject, "A new Pintar Ekspor API key");
        assert_eq!(id.subject, "Kunci API Pintar Ekspor baru");
        assert!(id.text.starts_with("Halo "));
        assert!(id.html.contains("lang=\"id\""));
    }

    #[test]
    fn role_change_says_what_changed_and_whether_keys_went() {
        let m = Message::RoleChanged {
            name: "Siti".into(),
            from: Role::Developer,
            to: Role::Public,
            keys_revoked: true,
        };
        assert_eq!(m.kind(), "role_changed");
        let id = m.render(Locale::Id);
        assert!(
            id.text.contains("dari developer menjadi pelajar"),
            "{}",
            id.text
        );
        assert!(id.text.contains("Kunci API Anda telah dicabut."));
        let en = m.render(Locale::En);
        assert!(en.text.contains("from developer to learner"), "{}", en.text);
    }

    #[test]
    fn locales_parse() {
        assert_eq!("EN".parse::<Locale>(), Ok(Locale::En));
        assert_eq!("id".parse::<Locale>(), Ok(Locale::Id));
        assert!("fr".parse::<Locale>().is_err());
    }
}
