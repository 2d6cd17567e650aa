//! A developer's API keys.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use pintar_core::api::{ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, Scope};

/// `client.keys()`: create, list and revoke API keys (needs a signed-in developer).
#[derive(Debug, Clone, Copy)]
pub struct KeysHandler<'a> {
    client: &'a Client,
}

impl<'a> KeysHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Starts a new key named `name`; all scopes and no expiry unless set.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::types::Scope;
    /// let created = client.keys().create("ci").scopes([Scope::Analytics]).expires_in_days(90).send().await?;
    /// println!("store this now, it is shown once: {}", created.key);
    /// # Ok(()) }
    /// ```
    pub fn create(self, name: impl Into<String>) -> CreateKey<'a> {
        CreateKey {
            client: self.client,
            body: CreateApiKeyRequest {
                name: name.into(),
                scopes: None,
                expires_in_days: None,
            },
        }
    }

    /// Every key of the account, live or not (`GET /developer/keys`).
    pub async fn list(self) -> Result<Vec<ApiKeyInfo>> {
        self.client.json(Call::get(["developer", "keys"])).await
    }

    /// Revokes a key at once (`DELETE /developer/keys/{id}`; revoking twice is fine).
    pub async fn revoke(self, id: &str) -> Result<()> {
        self.client
            .empty(Call::new(
                reqwest::Method::DELETE,
                ["developer", "keys", id],
            ))
            .await
    }
}

/// `POST /developer/key`.
#[derive(Debug)]
#[must_use = "nothing happens until `send`"]
pub struct CreateKey<'a> {
    client: &'a Client,
    body: CreateApiKeyRequest,
}

impl CreateKey<'_> {
    /// What the key may reach (default: everything the account may).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.body.scopes = Some(scopes.into_iter().collect());
        self
    }

    /// Days until the key stops working.
    pub fn expires_in_days(mut self, days: u32) -> Self {
        self.body.expires_in_days = Some(days);
        self
    }

    /// Creates the key; its secret is in the answer, and nowhere else ever again.
    pub async fn send(self) -> Result<ApiKeyCreated> {
        let call = Call::post(["developer", "key"]).json(&self.body)?;
        self.client.json(call).await
    }
}
