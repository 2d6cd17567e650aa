//! The HTTP email API provider.
//!
//! The API (documented in the README, "Email"):
//! - token: `POST {token_url}` with `{"api_key": "…"}` answers
//!   `{"access_token": "…", "expires_in": 3600}` (seconds; `token_type` is ignored);
//! - send: `POST {send_url}` with `Authorization: Bearer <token>`, `Idempotency-Key: <outbox id>`
//!   and `{"id", "from", "to", "subject", "text", "html"}`; any 2xx is accepted.
//!
//! The token is cached until [`TOKEN_MARGIN`] before it expires and shared by every send. A
//! 401 on a send drops it, fetches a new one and sends once more. 5xx, 408, 429 and
//! transport errors (timeouts, refused connections) are worth retrying; other 4xx refuse
//! the message for good. A token endpoint that fails is retryable whatever its status: the
//! fault is the configuration or the service, not the message.

use super::provider::{DeliveryError, Outgoing, clip};
use crate::error::ServerError;
use reqwest::StatusCode;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long before its expiry a token is replaced.
pub const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Lifetime assumed when the token response gives none.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// HTTP email API settings.
#[derive(Clone)]
pub struct HttpConfig {
    /// Where the API key is exchanged for a bearer token.
    pub token_url: String,
    /// Where messages are posted.
    pub send_url: String,
    /// The API key.
    pub api_key: String,
    /// Sender, `Name <address>` or an address.
    pub from: String,
    /// Timeout of each request.
    pub timeout: Duration,
}

struct Token {
    value: String,
    /// When it is replaced (shortly before it expires).
    renew_at: Instant,
}

/// Sends through an HTTP email API.
pub struct HttpProvider {
    client: reqwest::Client,
    token_url: reqwest::Url,
    send_url: reqwest::Url,
    api_key: String,
    from: String,
    token: Mutex<Option<Token>>,
}

impl std::fmt::Debug for HttpProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProvider")
            .field("token_url", &self.token_url.as_str())
            .field("send_url", &self.send_url.as_str())
            .field("api_key", &"<hidden>")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

impl HttpProvider {
    /// A provider for `config` (the first token is fetched with the first email).
    pub fn new(config: HttpConfig) -> Result<Self, ServerError> {
        let url = |name: &str, value: &str| {
            reqwest::Url::parse(value)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    ServerError::Config(format!("{name} '{value}' is not an http(s) URL"))
                })
        };
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("pintar-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ServerError::Config(format!("HTTP email client: {e}")))?;
        Ok(Self {
            client,
            token_url: url("PINTAR_EMAIL_HTTP_TOKEN_URL", &config.token_url)?,
            send_url: url("PINTAR_EMAIL_HTTP_SEND_URL", &config.send_url)?,
            api_key: config.api_key,
            from: config.from,
            token: Mutex::new(None),
        })
    }

    /// Sends `email`; on a 401, once more with a fresh token.
    pub async fn send(&self, email: &Outgoing) -> Result<(), DeliveryError> {
        let token = self.token().await?;
        let status = self.post(email, &token).await?;
        let status = if status == StatusCode::UNAUTHORIZED {
            self.forget(&token).await;
            let fresh = self.token().await?;
            self.post(email, &fresh).await?
        } else {
            status
        };
        classify(status)
    }

    async fn post(&self, email: &Outgoing, token: &str) -> Result<StatusCode, DeliveryError> {
        let body = serde_json::json!({
            "id": email.id,
            "from": self.from,
            "to": email.to,
            "subject": email.subject,
            "text": email.text,
            "html": email.html,
        });
        let res = self
            .client
            .post(self.send_url.clone())
            .bearer_auth(token)
            .header("Idempotency-Key", email.id.to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error("sending", e))?;
        Ok(res.status())
    }

    /// The cached token, or a new one when there is none or it is about to expire. The
    /// lock is held while fetching, so concurrent sends wait for one token request.
    async fn token(&self) -> Result<String, DeliveryError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(t.value.clone());
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *slot = Some(fresh);
        Ok(value)
    }

    /// Drops `stale` from the cache (unless another send already replaced it).
    async fn forget(&self, stale: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == stale) {
            *slot = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, DeliveryError> {
        let res = self
            .client
            .post(self.token_url.clone())
            .json(&serde_json::json!({ "api_key": self.api_key }))
            .send()
            .await
            .map_err(|e| transport_error("getting a token", e))?;
        let status = res.status();
        if !status.is_success() {
            return Err(DeliveryError::Retryable(format!(
                "the email API's token endpoint answered {status}"
            )));
        }
        let token: TokenResponse = res.json().await.map_err(|e| {
            DeliveryError::Retryable(clip(
                &format!("the email API's token response is not as documented: {e}"),
                300,
            ))
        })?;
        if token.access_token.is_empty() {
            return Err(DeliveryError::Retryable(
                "the email API returned an empty token".into(),
            ));
        }
        let lifetime = token
            .expires_in
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        // A token shorter-lived than twice the margin is used for half its life.
        let usable = if lifetime > TOKEN_MARGIN * 2 {
            lifetime - TOKEN_MARGIN
        } else {
            lifetime / 2
        };
        Ok(Token {
            value: token.access_token,
            renew_at: Instant::now() + usable,
        })
    }
}

fn transport_error(doing: &str, e: reqwest::Error) -> DeliveryError {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else {
        // Without the URL: it may carry credentials in a query.
        e.without_url().to_string()
    };
    DeliveryError::Retryable(clip(&format!("email API, {doing}: {what}"), 300))
}

fn classify(status: StatusCode) -> Result<(), DeliveryError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::UNAUTHORIZED
    {
        // A 401 here came after a fresh token: the service's trouble, not the message's.
        Err(DeliveryError::Retryable(format!(
            "the email API answered {status}"
        )))
    } else {
        Err(DeliveryError::Permanent(format!(
            "the email API refused the message: {status}"
        )))
    }
}
