//! Who is acting: the signed-in caller (if any), how they proved it, and where the request
//! came from. Front ends build an [`Actor`] from the request; use cases authorize it
//! against their [`Operation`](super::Operation) and write its [`Origin`] to the audit log.

use super::Operation;
use crate::error::ServerError;
use pintar_core::api::{Role, Scope};
use uuid::Uuid;

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

/// A signed-in caller. With a session, the role is the account's current role (read on each
/// request, cached for at most a second), not the one the token was issued with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// User id.
    pub id: Uuid,
    /// Current role.
    pub role: Role,
    /// Session or key.
    pub via: Via,
}

impl Caller {
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

/// Where a request came from, for the audit log and the session list: the client address,
/// the request id and the client's name for itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// Client IP (the socket peer, or the client behind a trusted proxy).
    pub ip: Option<String>,
    /// The `X-Request-Id`, or the name of the process step acting (`bootstrap`, `seed`).
    pub request_id: Option<String>,
    /// The `User-Agent`, at most [`MAX_USER_AGENT`] characters, controls removed.
    pub user_agent: Option<String>,
}

/// Longest `User-Agent` kept.
pub const MAX_USER_AGENT: usize = 200;

impl Origin {
    /// The server itself, acting as `step` (start-up, seeding, a worker).
    pub fn system(step: &str) -> Self {
        Self {
            ip: None,
            request_id: Some(step.to_string()),
            user_agent: None,
        }
    }
}

/// Who asks for an operation, and from where. Anonymous when `caller` is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in caller.
    pub caller: Option<Caller>,
    /// Where the request came from.
    pub origin: Origin,
}

impl Actor {
    /// An actor of `caller` (or anonymous) from `origin`.
    pub fn new(caller: Option<Caller>, origin: Origin) -> Self {
        Self { caller, origin }
    }

    /// The server itself, acting as `step` (no caller: only system use cases accept it).
    pub fn system(step: &str) -> Self {
        Self::new(None, Origin::system(step))
    }

    /// The caller's account id, if signed in.
    pub fn id(&self) -> Option<Uuid> {
        self.caller.map(|c| c.id)
    }

    /// Lets this actor perform `op`, or says why not (401 or 403, as
    /// [`Permission::check`](super::Permission::check) decides). Returns the caller, if any.
    pub fn authorize(&self, op: Operation) -> Result<Option<&Caller>, ServerError> {
        op.permission().check(self.caller.as_ref())?;
        Ok(self.caller.as_ref())
    }

    /// Like [`authorize`](Self::authorize) for an operation that needs a signed-in caller.
    pub fn require(&self, op: Operation) -> Result<&Caller, ServerError> {
        self.authorize(op)?
            .ok_or_else(|| ServerError::Unauthorized("sign in first".into()))
    }

    /// Whether the actor acts as an admin (the admin role in a signed-in session).
    pub fn is_admin(&self) -> bool {
        self.caller.is_some_and(|c| c.is_admin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_sets() {
        let s = Scopes::from_names(["learning", "nope", "analytics"]);
        assert!(s.contains(Scope::Learning) && s.contains(Scope::Analytics));
        assert!(!s.contains(Scope::CoursesRead));
    }
}
