//! Registration, sign-in, tokens, the developer upgrade and the signed-in account.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use crate::session::Tokens;
use pintar_core::api::{
    LoginRequest, LogoutRequest, RegisterRequest, TokenResponse, UpdateProfileRequest,
    UpgradeResponse, UserProfile,
};

/// `client.auth()`: accounts and sessions.
#[derive(Debug, Clone, Copy)]
pub struct AuthHandler<'a> {
    client: &'a Client,
}

impl<'a> AuthHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates a learner account (`POST /auth/register`); the display name is optional.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let me = client.auth().register("siti@example.id", "kopi-luwak-2024", None).await?;
    /// assert_eq!(me.role.as_str(), "public");
    /// # Ok(()) }
    /// ```
    pub async fn register(
        self,
        email: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<UserProfile> {
        let body = RegisterRequest {
            email: email.into(),
            password: password.into(),
            display_name: display_name.map(Into::into),
        };
        self.client
            .json(Call::post(["auth", "register"]).anonymous().json(&body)?)
            .await
    }

    /// Signs in (`POST /auth/token`); later calls of this client use the session.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let tokens = client.auth().login("siti@example.id", "kopi-luwak-2024").await?;
    /// let me = client.auth().me().await?;
    /// # Ok(()) }
    /// ```
    pub async fn login(self, email: &str, password: &str) -> Result<Tokens> {
        let body = LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        let t: TokenResponse = self
            .client
            .json(Call::post(["auth", "token"]).anonymous().json(&body)?)
            .await?;
        let tokens = Tokens::from_response(&t);
        self.client.inner.session.set_tokens(Some(tokens.clone()));
        Ok(tokens)
    }

    /// Renews the access token now with the refresh token (the client also does this by
    /// itself on 401 and shortly before expiry).
    pub async fn refresh(self) -> Result<Tokens> {
        let stale = self.client.tokens().map(|t| t.access_token);
        self.client
            .renew(Some(stale.as_deref().unwrap_or_default()))
            .await?;
        self.client
            .tokens()
            .ok_or_else(|| crate::Error::Unauthenticated("no session to refresh".into()))
    }

    /// Ends the session (`POST /auth/logout`), on every device with `everywhere`.
    pub async fn logout(self, everywhere: bool) -> Result<()> {
        let Some(tokens) = self.client.tokens() else {
            return Ok(());
        };
        let body = LogoutRequest {
            refresh_token: tokens.refresh_token,
            everywhere,
        };
        let call = Call::post(["auth", "logout"]).anonymous().json(&body)?;
        let result = self.client.empty(call).await;
        self.client.inner.session.set_tokens(None);
        result
    }

    /// Becomes a developer (`POST /auth/upgrade-role`); the answer holds the first API key,
    /// shown this once.
    pub async fn upgrade(self) -> Result<UpgradeResponse> {
        self.client.json(Call::post(["auth", "upgrade-role"])).await
    }

    /// The signed-in account (`GET /users/me`).
    pub async fn me(self) -> Result<UserProfile> {
        self.client.json(Call::get(["users", "me"])).await
    }

    /// Changes the display name or password (`PATCH /users/me`).
    pub async fn update_me(self, change: &UpdateProfileRequest) -> Result<UserProfile> {
        let call = Call::new(reqwest::Method::PATCH, ["users", "me"]).json(change)?;
        self.client.json(call).await
    }
}
