//! Registration, sign-in, tokens, the developer upgrade, the signed-in account, and getting
//! an account back: email verification, password reset, change of email, sessions, the
//! export of one's data and deleting the account.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use crate::session::Tokens;
use pintar_core::api::{
    Accepted, AccountExport, ChangeEmailRequest, DeleteAccountRequest, EndedSessions, LoginRequest,
    LogoutRequest, PasswordResetConfirm, PasswordResetRequest, RegisterRequest, SessionInfo,
    TokenRequest, TokenResponse, UpdateProfileRequest, UpgradeResponse, UserProfile,
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

    /// Confirms an account's email with the token from the verification link
    /// (`POST /auth/verify-email`; single use). Works signed in or not.
    pub async fn verify_email(self, token: &str) -> Result<UserProfile> {
        let body = TokenRequest {
            token: token.into(),
        };
        let call = Call::post(["auth", "verify-email"])
            .anonymous()
            .json(&body)?;
        self.client.json(call).await
    }

    /// Sends the signed-in account a new verification link
    /// (`POST /auth/verify-email/resend`; at most one a minute).
    pub async fn resend_verification(self) -> Result<Accepted> {
        self.client
            .json(Call::post(["auth", "verify-email", "resend"]))
            .await
    }

    /// Asks for a password-reset link for `email` (`POST /auth/password-reset`). The answer
    /// is the same whether or not an account uses the address.
    pub async fn request_password_reset(self, email: &str) -> Result<Accepted> {
        let body = PasswordResetRequest {
            email: email.into(),
        };
        let call = Call::post(["auth", "password-reset"])
            .anonymous()
            .json(&body)?;
        self.client.json(call).await
    }

    /// Sets a new password with the token from the reset link
    /// (`POST /auth/password-reset/confirm`). Every session of the account ends, this
    /// client's too: sign in again.
    pub async fn reset_password(self, token: &str, new_password: &str) -> Result<Accepted> {
        let body = PasswordResetConfirm {
            token: token.into(),
            password: new_password.into(),
        };
        let call = Call::post(["auth", "password-reset", "confirm"])
            .anonymous()
            .json(&body)?;
        self.client.json(call).await
    }

    /// Asks to move the signed-in account to `new_email` (`POST /users/me/email`): a link
    /// goes to the new address; the account moves when it is opened.
    pub async fn change_email(self, new_email: &str, current_password: &str) -> Result<Accepted> {
        let body = ChangeEmailRequest {
            new_email: new_email.into(),
            current_password: current_password.into(),
        };
        self.client
            .json(Call::post(["users", "me", "email"]).json(&body)?)
            .await
    }

    /// Completes a change of email with the token from the link sent to the new address
    /// (`POST /auth/email-change/confirm`).
    pub async fn confirm_email_change(self, token: &str) -> Result<UserProfile> {
        let body = TokenRequest {
            token: token.into(),
        };
        let call = Call::post(["auth", "email-change", "confirm"])
            .anonymous()
            .json(&body)?;
        self.client.json(call).await
    }

    /// The signed-in account's live sessions, the current one marked
    /// (`GET /users/me/sessions`).
    pub async fn sessions(self) -> Result<Vec<SessionInfo>> {
        self.client
            .json(Call::get(["users", "me", "sessions"]))
            .await
    }

    /// Ends every session of the account but this client's
    /// (`POST /users/me/sessions/end-others`).
    pub async fn end_other_sessions(self) -> Result<EndedSessions> {
        self.client
            .json(Call::post(["users", "me", "sessions", "end-others"]))
            .await
    }

    /// Everything the platform holds about the signed-in account (`GET /users/me/export`).
    pub async fn export(self) -> Result<AccountExport> {
        self.client.json(Call::get(["users", "me", "export"])).await
    }

    /// Deletes the signed-in account and its data for good (`DELETE /users/me`); this
    /// client is signed out.
    pub async fn delete_account(self, current_password: &str) -> Result<()> {
        let body = DeleteAccountRequest {
            current_password: current_password.into(),
        };
        let call = Call::new(reqwest::Method::DELETE, ["users", "me"]).json(&body)?;
        self.client.empty(call).await?;
        self.client.inner.session.set_tokens(None);
        Ok(())
    }
}
