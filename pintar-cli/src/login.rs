//! Who the remote commands act as: settings resolved once (flag > env > profile >
//! default), and credentials from the environment (CI) or the profile's store (the OS
//! keyring, or the owner-only file where no keyring works). Stored credentials belong to
//! the server that issued them and are never sent to another.

use crate::config::{Config, Overrides, process_env, resolve_settings};
use crate::context::Globals;
use crate::credentials::{
    Auth, AuthSource, CredentialStore, Credentials, ResolvedAuth, Secret, StoreOptions,
    resolve_auth,
};
use crate::error::CliError;
use crate::printer::Printer;
use pintar_sdk::Tokens;

/// The resolved profile, server and credentials.
pub struct Identity {
    /// Profile name.
    pub profile: String,
    /// Server base URL.
    pub server: String,
    /// The account's email, when known (profile or stored credentials).
    pub email: Option<String>,
    /// What the SDK client signs in with.
    pub credentials: pintar_sdk::Credentials,
    /// Where the credentials come from, for people ("keyring", "env PINTAR_API_KEY", …).
    pub source: String,
    /// The profile accepts credentials over plain HTTP to another machine (`allow_http`).
    pub allow_http: bool,
    from_store: bool,
    config: Config,
    store: CredentialStore,
}

impl Identity {
    /// Whether the credentials came from the store (so renewed tokens go back there).
    pub fn persisted(&self) -> bool {
        self.from_store
    }

    /// Whether there are any credentials at all.
    pub fn has_credentials(&self) -> bool {
        !matches!(self.credentials, pintar_sdk::Credentials::Anonymous)
    }

    /// Whether the credentials are a session (tokens), not an API key.
    pub fn is_session(&self) -> bool {
        matches!(self.credentials, pintar_sdk::Credentials::Tokens(_))
    }

    /// The API key or access token as stored.
    pub fn secret(&self) -> Option<String> {
        match &self.credentials {
            pintar_sdk::Credentials::ApiKey(k) => Some(k.clone()),
            pintar_sdk::Credentials::Tokens(t) => Some(t.access_token.clone()),
            _ => None,
        }
    }

    /// A listener that stores renewed tokens the moment the client gets them: the old
    /// refresh token is spent, so a command interrupted later must not lose the new one.
    pub fn token_keeper(&self) -> impl Fn(&Tokens) + Send + Sync + 'static {
        let store = self.store.clone();
        let config = std::sync::Mutex::new(self.config.clone());
        let profile = self.profile.clone();
        let email = self.email.clone();
        let server = self.server.clone();
        move |tokens: &Tokens| {
            let creds = session_credentials(email.clone(), tokens, &server);
            let mut config = config
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Err(e) = store.save(&mut config, &profile, &creds) {
                eprintln!(
                    "warning: the renewed session could not be stored ({e}); the next command will ask you to sign in again"
                );
            }
        }
    }
}

fn session_credentials(email: Option<String>, tokens: &Tokens, server: &str) -> Credentials {
    Credentials {
        email,
        access_token: Some(Secret::new(tokens.access_token.clone())),
        refresh_token: Some(Secret::new(tokens.refresh_token.clone())),
        api_key: None,
        access_token_expires_at: tokens.expires_at,
        server: Some(server.to_string()),
    }
}

/// Resolves settings and credentials for the remote commands.
pub fn resolve(globals: &Globals, printer: &Printer) -> Result<Identity, CliError> {
    let env = &process_env;
    let config = Config::load(env)?;
    let overrides = Overrides {
        profile: globals.profile.clone(),
        server: globals.server.clone(),
    };
    let settings = resolve_settings(&overrides, env, &config)?;
    let store = CredentialStore::new(StoreOptions {
        allow_file_fallback: !globals.no_file_fallback,
        ..StoreOptions::default()
    });
    let profile = settings.profile.value.clone();
    let server = settings.server.value.to_string();
    let resolved = match resolve_auth(env, &store, &config, &profile) {
        Ok(r) => r,
        // A damaged or locked store must not block `auth login` (its fix) or public
        // commands: go on signed out, and say why.
        Err(e) => {
            printer.warn(&format!("stored credentials unusable: {e}"));
            ResolvedAuth {
                auth: Auth::None,
                source: AuthSource::None,
                stored: None,
                warning: None,
            }
        }
    };
    if let Some(w) = &resolved.warning {
        printer.warn(w);
    }
    let mut auth = resolved.auth;
    let mut source = resolved.source.to_string();
    let issuer = resolved.stored.as_ref().and_then(|c| c.server.clone());
    if let Some(issuer) = issuer
        && issuer != server
        && !matches!(auth, Auth::None)
    {
        printer.warn(&format!(
            "the stored credentials of profile {profile} are for {issuer}, not {server}: not sent (sign in to {server} with `pintar auth login`)"
        ));
        auth = Auth::None;
        source = "none".into();
    }
    let credentials = match auth {
        Auth::ApiKey(k) => pintar_sdk::Credentials::ApiKey(k.expose().to_string()),
        Auth::Token {
            access,
            refresh,
            expires_at,
        } => pintar_sdk::Credentials::Tokens(Tokens {
            access_token: access.expose().to_string(),
            // An access token from PINTAR_TOKEN cannot be renewed: an empty refresh token
            // makes renewal fail cleanly with "sign in again".
            refresh_token: refresh.map(|r| r.expose().to_string()).unwrap_or_default(),
            expires_at,
        }),
        Auth::None => pintar_sdk::Credentials::Anonymous,
    };
    let email = resolved
        .stored
        .as_ref()
        .and_then(|c| c.email.clone())
        .or(settings.email.clone());
    let from_store = matches!(resolved.source, AuthSource::Stored(_)) && source != "none";
    Ok(Identity {
        profile,
        server,
        email,
        credentials,
        source,
        allow_http: settings.allow_http,
        from_store,
        config,
        store,
    })
}

fn save(
    identity: &mut Identity,
    creds: &Credentials,
    printer: &Printer,
) -> Result<String, CliError> {
    let saved = identity
        .store
        .save(&mut identity.config, &identity.profile, creds)?;
    if let Some(w) = &saved.warning {
        printer.warn(w);
    }
    let place = saved.location.to_string();
    identity.source = place.clone();
    identity.from_store = true;
    Ok(place)
}

/// Keeps a new session for the profile; returns where it went.
pub fn store_session(
    identity: &mut Identity,
    email: &str,
    tokens: &Tokens,
    printer: &Printer,
) -> Result<String, CliError> {
    let creds = session_credentials(Some(email.to_string()), tokens, &identity.server);
    identity.credentials = pintar_sdk::Credentials::Tokens(tokens.clone());
    identity.email = Some(email.to_string());
    save(identity, &creds, printer)
}

/// Keeps an API key for the profile; returns where it went.
pub fn store_api_key(
    identity: &mut Identity,
    email: &str,
    key: &str,
    printer: &Printer,
) -> Result<String, CliError> {
    let creds = Credentials {
        email: Some(email.to_string()),
        api_key: Some(Secret::new(key.to_string())),
        server: Some(identity.server.clone()),
        ..Credentials::default()
    };
    identity.credentials = pintar_sdk::Credentials::ApiKey(key.to_string());
    identity.email = Some(email.to_string());
    save(identity, &creds, printer)
}

/// Forgets the profile's stored credentials; whether anything was stored.
pub fn forget(identity: &mut Identity) -> Result<bool, CliError> {
    let deleted = identity
        .store
        .delete(&mut identity.config, &identity.profile)?;
    identity.credentials = pintar_sdk::Credentials::Anonymous;
    identity.from_store = false;
    Ok(!deleted.removed_from.is_empty())
}
