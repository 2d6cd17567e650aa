//! Providers: where an email goes, chosen by `PINTAR_EMAIL_PROVIDER` — `log` (the default:
//! the message is written to the log and counts as delivered), `smtp` or `http`.

use super::http::{HttpConfig, HttpProvider};
use super::smtp::{SmtpConfig, SmtpProvider, SmtpTls};
use crate::config::Settings;
use crate::error::ServerError;
use crate::storage::entities::email_outbox;
use std::time::Duration;
use uuid::Uuid;

/// One email as a provider sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox row's id: the message id and idempotency key.
    pub id: Uuid,
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body, when the row has one.
    pub html: Option<String>,
}

impl From<&email_outbox::Model> for Outgoing {
    fn from(row: &email_outbox::Model) -> Self {
        Self {
            id: row.id,
            to: row.to_address.clone(),
            subject: row.subject.clone(),
            text: row.body.clone(),
            html: row.html_body.clone(),
        }
    }
}

/// Why an attempt failed, which decides what happens next. Internal to delivery: it is
/// recorded on the row (`last_error`), never sent to an API client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth another try later (the provider is down, overloaded, timed out).
    #[error("{0}")]
    Retryable(String),
    /// Another try would fail the same way (the provider refused the message).
    #[error("{0}")]
    Permanent(String),
}

/// A configured provider.
#[derive(Debug)]
pub enum Provider {
    /// Writes each message to the log (development).
    Log,
    /// An SMTP server.
    Smtp(SmtpProvider),
    /// An HTTP email API with a bearer token obtained with an API key.
    Http(Box<HttpProvider>),
}

impl Provider {
    /// The provider the settings name, with its settings checked.
    pub fn from_settings(s: &Settings) -> Result<Self, ServerError> {
        let timeout = Duration::from_millis(s.email_send_timeout_ms);
        let missing = |what: &str| {
            ServerError::Config(format!(
                "the {} email provider needs {what}",
                s.email_provider
            ))
        };
        match s.email_provider.trim().to_ascii_lowercase().as_str() {
            "log" => Ok(Provider::Log),
            "smtp" => Ok(Provider::Smtp(SmtpProvider::new(SmtpConfig {
                host: s
                    .email_smtp_host
                    .clone()
                    .ok_or_else(|| missing("PINTAR_EMAIL_SMTP_HOST"))?,
                port: s.email_smtp_port,
                tls: s
                    .email_smtp_tls
                    .parse::<SmtpTls>()
                    .map_err(ServerError::Config)?,
                username: s.email_smtp_username.clone(),
                password: s.email_smtp_password.clone(),
                from: s.email_from.clone(),
                timeout,
            })?)),
            "http" => Ok(Provider::Http(Box::new(HttpProvider::new(HttpConfig {
                token_url: s
                    .email_http_token_url
                    .clone()
                    .ok_or_else(|| missing("PINTAR_EMAIL_HTTP_TOKEN_URL"))?,
                send_url: s
                    .email_http_send_url
                    .clone()
                    .ok_or_else(|| missing("PINTAR_EMAIL_HTTP_SEND_URL"))?,
                api_key: s
                    .email_http_api_key
                    .clone()
                    .ok_or_else(|| missing("PINTAR_EMAIL_HTTP_API_KEY"))?,
                from: s.email_from.clone(),
                timeout,
            })?))),
            other => Err(ServerError::Config(format!(
                "unknown email provider '{other}' (use log, smtp or http)"
            ))),
        }
    }

    /// Its name in settings.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Log => "log",
            Provider::Smtp(_) => "smtp",
            Provider::Http(_) => "http",
        }
    }

    /// Delivers `email` once.
    pub async fn send(&self, email: &Outgoing) -> Result<(), DeliveryError> {
        match self {
            Provider::Log => {
                tracing::info!(
                    target: "pintar::email",
                    id = %email.id,
                    to = %email.to,
                    subject = %email.subject,
                    body = %email.text,
                    "email (log provider: not sent anywhere)"
                );
                Ok(())
            }
            Provider::Smtp(p) => p.send(email).await,
            Provider::Http(p) => p.send(email).await,
        }
    }
}

/// At most `max` characters of `s`, for error texts stored on a row.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}
