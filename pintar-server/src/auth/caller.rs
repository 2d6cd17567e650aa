//! Who is calling: credentials read from the headers, and the authenticated caller that the
//! gate middleware leaves in the request for handlers to extract.

use super::api_key::looks_like_key;
use crate::error::ServerError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use pintar_core::api::{Role, Scope};
use uuid::Uuid;

/// Longest credential header value read (a JWT here is well under 1 KiB).
const MAX_CREDENTIAL_LEN: usize = 4096;

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

impl Credentials {
    /// The credentials in `headers`: `None` when there are none, a 401 when they are
    /// malformed (an API key that is not `pk_` and 43 base64url characters, an unknown
    /// scheme, both headers at once). Nothing is looked up.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ServerError> {
        let malformed = |what: &str| ServerError::Unauthorized(what.to_string());
        let text = |name: &header::HeaderName| -> Result<Option<&str>, ServerError> {
            let mut values = headers.get_all(name).iter();
            let Some(v) = values.next() else {
                return Ok(None);
            };
            if values.next().is_some() {
                return Err(malformed("send credentials once"));
            }
            if v.len() > MAX_CREDENTIAL_LEN {
                return Err(malformed("the credentials are too long"));
            }
            v.to_str()
                .map(|s| Some(s.trim()))
                .map_err(|_| malformed("the credentials are not valid text"))
        };
        let x_api_key = text(&header::HeaderName::from_static("x-api-key"))?;
        let authorization = text(&header::AUTHORIZATION)?;
        let found = match (x_api_key, authorization) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(malformed(
                    "send either X-API-Key or Authorization, not both",
                ));
            }
            (Some(key), None) => Credentials::ApiKey(key.to_string()),
            (None, Some(value)) => {
                let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
                let rest = rest.trim();
                if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
                    Credentials::Bearer(rest.to_string())
                } else if scheme.eq_ignore_ascii_case("apikey") {
                    Credentials::ApiKey(rest.to_string())
                } else {
                    return Err(malformed(
                        "expected 'Authorization: Bearer <token>' or 'ApiKey <key>'",
                    ));
                }
            }
        };
        if let Credentials::ApiKey(key) = &found
            && !looks_like_key(key)
        {
            return Err(malformed(
                "this is not an API key (they look like pk_ and 43 more characters)",
            ));
        }
        Ok(Some(found))
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A signed-in session: a JWT access token of the refresh-token family `sid`.
    Session {
        /// The session (refresh-token family) id.
        sid: Uuid,
    },
    /// An API key: its id and the scopes it carries.
    ApiKey {
        /// Key id.
        id: Uuid,
        /// Granted scopes.
        scopes: Scopes,
    },
}

/// A set of [`Scope`]s, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// The set holding `scopes`.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self(scopes.into_iter().fold(0, |bits, s| bits | Self::bit(s)))
    }

    /// The set holding the scopes named in `names` (unknown names are ignored).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::of(
            names
                .into_iter()
                .filter_map(|n| Scope::ALL.into_iter().find(|s| s.as_str() == n)),
        )
    }

    fn bit(scope: Scope) -> u8 {
        1 << (scope as u8)
    }

    /// Whether `scope` is in the set.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }
}

/// The authenticated caller. With a session, the role is the account's current role (read
/// on each request, cached for at most a second), not the one the token was issued with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    /// User id.
    pub id: Uuid,
    /// Current role.
    pub role: Role,
    /// Session or key.
    pub via: Via,
}

impl AuthUser {
    /// Whether the caller acts as an admin: the admin role in a signed-in session. An
    /// admin's API key is a machine's credential and gets no admin powers (no drafts, no
    /// bodies without enrolment).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.session().is_some()
    }

    /// The session id when the caller signed in (not with an API key).
    pub fn session(&self) -> Option<Uuid> {
        match self.via {
            Via::Session { sid } => Some(sid),
            Via::ApiKey { .. } => None,
        }
    }
}

/// What the gate middleware found: the caller, or `None` for an anonymous request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated(pub Option<AuthUser>);

fn found(parts: &Parts) -> Option<AuthUser> {
    parts.extensions.get::<Authenticated>().and_then(|a| a.0)
}

/// The caller if credentials were sent (`None` for anonymous requests). Credentials that
/// are sent but invalid never get this far: the gate answers 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(found(parts)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        found(parts).ok_or_else(|| ServerError::Unauthorized("sign in first".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn reads_each_form_and_refuses_malformed_keys() {
        let key = format!("pk_{}", "A".repeat(43));
        let read = |pairs: &[(&'static str, &str)]| Credentials::from_headers(&headers(pairs));
        assert_eq!(read(&[]).expect("none"), None);
        assert_eq!(
            read(&[("x-api-key", &key)]).expect("key"),
            Some(Credentials::ApiKey(key.clone()))
        );
        assert_eq!(
            read(&[("authorization", &format!("ApiKey {key}"))]).expect("key"),
            Some(Credentials::ApiKey(key.clone()))
        );
        assert_eq!(
            read(&[("authorization", "bearer abc.def.ghi")]).expect("jwt"),
            Some(Credentials::Bearer("abc.def.ghi".into()))
        );
        for bad in [
            "junk",
            "pk_short",
            &format!("{key}x"),
            &format!("pk_{}", "!".repeat(43)),
        ] {
            assert!(read(&[("x-api-key", bad)]).is_err(), "{bad}");
        }
        assert!(read(&[("authorization", "Basic abc")]).is_err());
        assert!(read(&[("x-api-key", &key), ("authorization", "Bearer x")]).is_err());
        assert!(read(&[("x-api-key", &key), ("x-api-key", &key)]).is_err());
        assert!(!format!("{:?}", Credentials::ApiKey(key.clone())).contains(&key));
    }

    #[test]
    fn scope_sets() {
        let s = Scopes::from_names(["learning", "nope", "analytics"]);
        assert!(s.contains(Scope::Learning) && s.contains(Scope::Analytics));
        assert!(!s.contains(Scope::CoursesRead));
    }
}
