//! Credentials as presented: a session's access token, an API key, or the website's session
//! token. The HTTP layer reads them from headers and cookies; `accounts` checks them.

/// Credentials as sent, checked for shape only.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: Bearer <JWT>`.
    Bearer(String),
    /// `Authorization: ApiKey <key>` or `X-API-Key: <key>`.
    ApiKey(String),
    /// The website's session cookie (never read from headers by the API).
    WebSession(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer(<hidden>)"),
            Credentials::ApiKey(_) => f.write_str("ApiKey(<hidden>)"),
            Credentials::WebSession(_) => f.write_str("WebSession(<hidden>)"),
        }
    }
}
