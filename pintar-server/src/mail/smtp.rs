//! The SMTP provider (lettre over tokio, TLS by rustls).

use super::provider::{DeliveryError, Outgoing, clip};
use crate::error::ServerError;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::str::FromStr;
use std::time::Duration;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Plain connect, then STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl FromStr for SmtpTls {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            other => Err(format!(
                "unknown SMTP TLS mode '{other}' (use none, starttls or tls)"
            )),
        }
    }
}

/// SMTP settings.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security.
    pub tls: SmtpTls,
    /// User name (with `password`, to authenticate).
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Sender, `Name <address>` or an address.
    pub from: String,
    /// Connection and command timeout.
    pub timeout: Duration,
}

/// Sends through one SMTP server (connections are pooled).
pub struct SmtpProvider {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for SmtpProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpProvider")
            .field("host", &self.host)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpProvider {
    /// A provider for `config` (no connection is made until the first email).
    pub fn new(config: SmtpConfig) -> Result<Self, ServerError> {
        let from: Mailbox = config.from.parse().map_err(|e| {
            ServerError::Config(format!("PINTAR_EMAIL_FROM '{}': {e}", config.from))
        })?;
        let tls_error = |e: lettre::transport::smtp::Error| {
            ServerError::Config(format!("SMTP TLS for {}: {e}", config.host))
        };
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(tls_error)?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(tls_error)?
            }
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        match (config.username, config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password));
            }
            (None, None) => {}
            _ => {
                return Err(ServerError::Config(
                    "set both PINTAR_EMAIL_SMTP_USERNAME and PINTAR_EMAIL_SMTP_PASSWORD, or neither"
                        .into(),
                ));
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
            host: config.host,
        })
    }

    /// Sends `email` as a multipart/alternative message (text and HTML).
    pub async fn send(&self, email: &Outgoing) -> Result<(), DeliveryError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| DeliveryError::Permanent(format!("recipient '{}': {e}", email.to)))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}@pintar-ekspor>", email.id)));
        let message = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.text.clone()),
            ),
        }
        .map_err(|e| DeliveryError::Permanent(format!("building the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // 5xx replies: the server refused this message for good.
            Err(e) if e.is_permanent() => {
                Err(DeliveryError::Permanent(clip(&format!("SMTP: {e}"), 500)))
            }
            // 4xx replies, connection failures, timeouts: try again later.
            Err(e) => Err(DeliveryError::Retryable(clip(&format!("SMTP: {e}"), 500))),
        }
    }
}
