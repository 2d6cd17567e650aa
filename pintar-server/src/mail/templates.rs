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
    /// The link that proves the address belongs to the account's owner. It names no one:
    /// whoever registered the address chose the account's name, not the address's owner.
    VerifyEmail {
        /// The verification link.
        link: String,
        /// Hours it stays valid.
        hours: u32,
    },
    /// The link that sets a new password (it names no one, like [`Message::VerifyEmail`]).
    PasswordReset {
        /// The reset link.
        link: String,
        /// Minutes it stays valid.
        minutes: u32,
    },
    /// Sent to a new address: the link that moves the account to it.
    EmailChangeVerify {
        /// The confirmation link.
        link: String,
        /// Hours it stays valid.
        hours: u32,
    },
    /// Sent to the old address once the account moved to a new one.
    EmailChanged {
        /// The new address, partly hidden (`s•••@example.id`).
        new_address: String,
    },
}

/// What these emails say if the reader did not ask for them.
fn not_you(en: bool) -> &'static str {
    if en {
        "If you did not ask for this, ignore this email: nothing changes."
    } else {
        "Jika Anda tidak memintanya, abaikan email ini: tidak ada yang berubah."
    }
}

/// `address` with most of its local part hidden: `siti@example.id` → `s•••@example.id`.
pub fn mask_address(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
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
    /// A link to follow: its label and address.
    link: Option<(&'static str, String)>,
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
            Message::VerifyEmail { .. } => "verify_email",
            Message::PasswordReset { .. } => "password_reset",
            Message::EmailChangeVerify { .. } => "email_change_verify",
            Message::EmailChanged { .. } => "email_changed",
        }
    }

    /// Whether it may go to an account whose address is not verified yet: only the
    /// messages that prove an address (verification, reset, a new address's link).
    pub fn to_unverified(&self) -> bool {
        matches!(
            self,
            Message::VerifyEmail { .. }
                | Message::PasswordReset { .. }
                | Message::EmailChangeVerify { .. }
        )
    }

    /// Whether the message warns the owner of a change to their account: it goes out even
    /// past the hourly cap, so nobody can use the cap up first to hide the change.
    pub fn security_notice(&self) -> bool {
        matches!(self, Message::EmailChanged { .. })
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
                    link: None,
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
                    link: None,
                    closing: if en {
                        "If you did not expect this, reply to this email."
                    } else {
                        "Jika Anda tidak mengharapkan perubahan ini, balas email ini."
                    },
                }
            }
            Message::VerifyEmail { link, hours } => Parts {
                subject: if en {
                    "Confirm your email for Pintar Ekspor".into()
                } else {
                    "Konfirmasi email Anda untuk Pintar Ekspor".into()
                },
                greeting: if en { "Hello," } else { "Halo," }.into(),
                paragraphs: vec![if en {
                    format!(
                        "Someone registered a Pintar Ekspor account with this address. If it was you, open the link below within {hours} hours to confirm it."
                    )
                } else {
                    format!(
                        "Seseorang mendaftarkan akun Pintar Ekspor dengan alamat ini. Jika itu Anda, buka tautan di bawah dalam {hours} jam untuk mengonfirmasinya."
                    )
                }],
                details: Vec::new(),
                link: Some((
                    if en {
                        "Confirm my email"
                    } else {
                        "Konfirmasi email saya"
                    },
                    link.clone(),
                )),
                closing: not_you(en),
            },
            Message::PasswordReset { link, minutes } => Parts {
                subject: if en {
                    "Reset your Pintar Ekspor password".into()
                } else {
                    "Atur ulang kata sandi Pintar Ekspor Anda".into()
                },
                greeting: if en { "Hello," } else { "Halo," }.into(),
                paragraphs: vec![if en {
                    format!(
                        "A new password was requested for the Pintar Ekspor account of this address. The link below sets one within {minutes} minutes, once, and signs the account out everywhere."
                    )
                } else {
                    format!(
                        "Kata sandi baru diminta untuk akun Pintar Ekspor dengan alamat ini. Tautan di bawah berlaku {minutes} menit, satu kali, dan mengeluarkan akun dari semua perangkat."
                    )
                }],
                details: Vec::new(),
                link: Some((
                    if en {
                        "Set a new password"
                    } else {
                        "Atur kata sandi baru"
                    },
                    link.clone(),
                )),
                closing: not_you(en),
            },
            Message::EmailChangeVerify { link, hours } => Parts {
                subject: if en {
                    "Confirm your new email for Pintar Ekspor".into()
                } else {
                    "Konfirmasi email baru Anda untuk Pintar Ekspor".into()
                },
                greeting: if en { "Hello," } else { "Halo," }.into(),
                paragraphs: vec![if en {
                    format!(
                        "A Pintar Ekspor account asked to move to this address. Open the link below within {hours} hours to confirm; until then the account keeps its old address."
                    )
                } else {
                    format!(
                        "Sebuah akun Pintar Ekspor meminta pindah ke alamat ini. Buka tautan di bawah dalam {hours} jam untuk mengonfirmasi; sampai saat itu akun tetap memakai alamat lamanya."
                    )
                }],
                details: Vec::new(),
                link: Some((
                    if en {
                        "Confirm the new address"
                    } else {
                        "Konfirmasi alamat baru"
                    },
                    link.clone(),
                )),
                closing: not_you(en),
            },
            Message::EmailChanged { new_address } => Parts {
                subject: if en {
                    "Your Pintar Ekspor email has changed".into()
                } else {
                    "Email akun Pintar Ekspor Anda telah berubah".into()
                },
                greeting: if en { "Hello," } else { "Halo," }.into(),
                paragraphs: vec![if en {
                    "Your Pintar Ekspor account now signs in with another address; this address no longer reaches it.".into()
                } else {
                    "Akun Pintar Ekspor Anda kini masuk dengan alamat lain; alamat ini tidak lagi terhubung dengannya.".into()
                }],
                details: vec![(
                    if en { "New address" } else { "Alamat baru" },
                    new_address.clone(),
                )],
                link: None,
                closing: if en {
                    "If this was not you, reply to this email at once so we can restore your account."
                } else {
                    "Jika ini bukan Anda, segera balas email ini agar kami dapat memulihkan akun Anda."
                },
            },
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
    if let Some((label, url)) = &p.link {
        let _ = writeln!(out, "{label}:\n{url}\n");
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
    if let Some((label, url)) = &p.link {
        let _ = writeln!(
            out,
            "<p><a href=\"{0}\">{1}</a></p>\n<p style=\"font-size: small\">{0}</p>",
            escape(url),
            escape(label)
        );
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
    fn account_links_name_no_one_and_carry_the_link() {
        let link = "https://pintar.example/verify-email?token=abc_DEF-123".to_string();
        let m = Message::VerifyEmail {
            link: link.clone(),
            hours: 24,
        };
        assert!(m.to_unverified());
        assert!(
            !Message::EmailChanged {
                new_address: mask_address("a@b.id")
            }
            .to_unverified()
        );
        for locale in [Locale::En, Locale::Id] {
            let r = m.render(locale);
            assert!(r.text.contains(&link), "{}", r.text);
            assert!(r.html.contains(&format!("href=\"{link}\"")), "{}", r.html);
            assert!(r.text.starts_with('H'), "{}", r.text);
        }
        assert_eq!(mask_address("siti@example.id"), "s•••@example.id");
    }

    #[test]
    fn locales_parse() {
        assert_eq!("EN".parse::<Locale>(), Ok(Locale::En));
        assert_eq!("id".parse::<Locale>(), Ok(Locale::Id));
        assert!("fr".parse::<Locale>().is_err());
    }
}
