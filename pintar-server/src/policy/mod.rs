//! Who may do what, in one place: every operation the server offers and the permission it
//! needs. A use case starts with `actor.authorize(Operation::…)`; the API's access layer
//! and the website's page layer check the same operation from the request's head, before
//! any body is read. The rule belongs to the operation, so an API route and the page that
//! does the same thing cannot disagree.
//!
//! The model: API keys are for machines and reach only their scopes (`analytics`,
//! `courses:read`, `learning`). Managing keys, changing the account, upgrading and
//! everything an admin does need a signed-in session; no scope opens them, so a key can
//! never create a key. An admin's key is a machine's credential: it gets no admin powers.

mod actor;

pub use actor::{Actor, Caller, MAX_USER_AGENT, Origin, Scopes, Via};

use crate::error::ServerError;
use pintar_core::api::{Role, Scope};

/// What an operation asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone; credentials are not needed (signing in, registering, public pages).
    Public,
    /// Anyone; a key needs `courses:read` (the catalogue, outlines, certificates).
    Catalog,
    /// Any signed-in caller; a key needs `learning`.
    Learning,
    /// Any signed-in caller; a key needs `analytics` (data analysis and its runs, the
    /// caller's own learning figures).
    Analysis,
    /// A signed-in developer or admin; a key needs `analytics` (platform-wide figures).
    Insights,
    /// Any signed-in caller, or any key (the caller's own profile).
    Identity,
    /// A signed-in session of any role; keys refused (changing the account, upgrading).
    Account,
    /// A signed-in developer or admin; keys refused (managing keys).
    Developer,
    /// A signed-in admin; keys refused.
    Admin,
}

/// What a key must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRule {
    /// Keys are no credential here: a session is needed (401).
    Refused,
    /// Any valid key.
    Any,
    /// A key with this scope.
    Needs(Scope),
}

impl Permission {
    /// Whether anonymous callers are allowed.
    pub fn anonymous(self) -> bool {
        matches!(self, Permission::Public | Permission::Catalog)
    }

    /// The roles allowed when signed in (empty: every role).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Permission::Insights | Permission::Developer => &[Role::Developer, Role::Admin],
            Permission::Admin => &[Role::Admin],
            _ => &[],
        }
    }

    fn key(self) -> KeyRule {
        match self {
            Permission::Public | Permission::Identity => KeyRule::Any,
            Permission::Catalog => KeyRule::Needs(Scope::CoursesRead),
            Permission::Learning => KeyRule::Needs(Scope::Learning),
            Permission::Analysis | Permission::Insights => KeyRule::Needs(Scope::Analytics),
            Permission::Account | Permission::Developer | Permission::Admin => KeyRule::Refused,
        }
    }

    /// Lets `caller` through or says why not: 401 without a caller, or with an API key
    /// where a session is needed; 403 for a role or a scope that does not allow it.
    pub fn check(self, caller: Option<&Caller>) -> Result<(), ServerError> {
        let Some(caller) = caller else {
            return if self.anonymous() {
                Ok(())
            } else {
                Err(ServerError::Unauthorized("sign in first".into()))
            };
        };
        if let Via::ApiKey { scopes, .. } = caller.via {
            match self.key() {
                // The route's credential is a session, and a key is not one: 401, as for
                // any missing credential (the OpenAPI document declares bearer only).
                KeyRule::Refused => {
                    return Err(ServerError::Unauthorized(
                        "this needs a signed-in session (Authorization: Bearer); API keys cannot manage keys, change the account, upgrade or administer".into(),
                    ));
                }
                KeyRule::Needs(scope) if !scopes.contains(scope) => {
                    return Err(ServerError::Forbidden(format!(
                        "this API key lacks the '{scope}' scope"
                    )));
                }
                KeyRule::Needs(_) | KeyRule::Any => {}
            }
        }
        let roles = self.roles();
        if !roles.is_empty() && !roles.contains(&caller.role) {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            return Err(ServerError::Forbidden(format!(
                "this needs the role {}; you are {}",
                allowed.join(" or "),
                caller.role
            )));
        }
        Ok(())
    }
}

/// Every operation of the server, by domain. [`Operation::permission`] is the one table of
/// who may perform each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant says what it is; the table below says who may
pub enum Operation {
    // accounts
    Register,
    SignIn,
    RefreshSession,
    SignOut,
    ReadProfile,
    UpdateProfile,
    Upgrade,
    CreateKey,
    ListKeys,
    RevokeKey,
    // accounts: recovery, sessions and the owner's data
    VerifyEmail,
    ResendVerification,
    RequestPasswordReset,
    ResetPassword,
    ChangeEmail,
    ConfirmEmailChange,
    ListSessions,
    EndOtherSessions,
    ExportAccount,
    DeleteAccount,
    // learning: the catalogue and studying
    BrowseCatalog,
    ViewCourse,
    VerifyCertificate,
    Enroll,
    Leave,
    ViewProgress,
    ListEnrollments,
    OpenItem,
    CompleteItem,
    SubmitAttempt,
    // learning: authoring (admins)
    ListCourses,
    ReadCourse,
    CreateCourse,
    ImportCourse,
    UpdateCourse,
    PublishCourse,
    ArchiveCourse,
    DeleteCourse,
    ReorderCourse,
    AddSection,
    RenameSection,
    DeleteSection,
    AddItem,
    ReplaceItem,
    DeleteItem,
    // administration
    ListUsers,
    UpdateUser,
    ReadAudit,
    ReadEmails,
    // analysis of uploaded series
    Analyze,
    QuickAnalysis,
    ListRuns,
    ReadRun,
    DeleteRun,
    // insights: platform figures
    ReadOwnProgress,
    ReadCourseProgress,
    ReadEngagement,
    ReadCompletion,
    ReadActivity,
    ViewDashboard,
    // the website's own pages
    SwitchLanguage,
    ReadGuide,
}

impl Operation {
    /// Who may perform this operation.
    pub fn permission(self) -> Permission {
        use Operation::*;
        use Permission as P;
        match self {
            Register | SignIn | RefreshSession | SignOut | SwitchLanguage | ReadGuide => P::Public,
            // A link's token is its own credential: it works in any browser, signed in or not.
            VerifyEmail | RequestPasswordReset | ResetPassword | ConfirmEmailChange => P::Public,
            ReadProfile => P::Identity,
            UpdateProfile | Upgrade | ResendVerification | ChangeEmail | ListSessions
            | EndOtherSessions | ExportAccount | DeleteAccount => P::Account,
            CreateKey | ListKeys | RevokeKey => P::Developer,
            BrowseCatalog | ViewCourse | VerifyCertificate => P::Catalog,
            Enroll | Leave | ViewProgress | ListEnrollments | OpenItem | CompleteItem
            | SubmitAttempt => P::Learning,
            ListCourses | ReadCourse | CreateCourse | ImportCourse | UpdateCourse
            | PublishCourse | ArchiveCourse | DeleteCourse | ReorderCourse | AddSection
            | RenameSection | DeleteSection | AddItem | ReplaceItem | DeleteItem => P::Admin,
            ListUsers | UpdateUser | ReadAudit | ReadEmails | ViewDashboard => P::Admin,
            Analyze | QuickAnalysis | ListRuns | ReadRun | DeleteRun | ReadOwnProgress => {
                P::Analysis
            }
            ReadCourseProgress | ReadEngagement | ReadCompletion | ReadActivity => P::Insights,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn session(role: Role) -> Caller {
        Caller {
            id: Uuid::nil(),
            role,
            via: Via::Session { sid: Uuid::nil() },
        }
    }

    fn key(role: Role, scopes: &[Scope]) -> Caller {
        Caller {
            id: Uuid::nil(),
            role,
            via: Via::ApiKey {
                id: Uuid::nil(),
                scopes: Scopes::of(scopes.iter().copied()),
            },
        }
    }

    fn status(p: Permission, c: Option<&Caller>) -> u16 {
        match p.check(c) {
            Ok(()) => 200,
            Err(ServerError::Unauthorized(_)) => 401,
            Err(ServerError::Forbidden(_)) => 403,
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn anonymous_reaches_only_public_and_catalog() {
        for p in [Permission::Public, Permission::Catalog] {
            assert_eq!(status(p, None), 200);
        }
        for p in [
            Permission::Learning,
            Permission::Analysis,
            Permission::Insights,
            Permission::Identity,
            Permission::Account,
            Permission::Developer,
            Permission::Admin,
        ] {
            assert_eq!(status(p, None), 401, "{p:?}");
        }
    }

    #[test]
    fn roles_and_scopes() {
        let learner = session(Role::Public);
        let dev = session(Role::Developer);
        let admin = session(Role::Admin);
        assert_eq!(status(Permission::Insights, Some(&learner)), 403);
        assert_eq!(status(Permission::Insights, Some(&dev)), 200);
        assert_eq!(status(Permission::Admin, Some(&dev)), 403);
        assert_eq!(status(Permission::Admin, Some(&admin)), 200);
        // Keys: only their scopes, never session-only permissions, whatever the role.
        let admin_key = key(Role::Admin, &Scope::ALL);
        assert_eq!(status(Permission::Admin, Some(&admin_key)), 401);
        assert_eq!(status(Permission::Account, Some(&admin_key)), 401);
        assert_eq!(status(Permission::Learning, Some(&admin_key)), 200);
        let reader = key(Role::Developer, &[Scope::CoursesRead]);
        assert_eq!(status(Permission::Catalog, Some(&reader)), 200);
        assert_eq!(status(Permission::Learning, Some(&reader)), 403);
        assert_eq!(status(Permission::Identity, Some(&reader)), 200);
        let learner_key = key(Role::Public, &[Scope::Analytics]);
        assert_eq!(status(Permission::Insights, Some(&learner_key)), 403);
        assert!(!admin_key.is_admin());
        assert!(admin.is_admin());
    }

    #[test]
    fn actors_authorize_operations() {
        let anon = Actor::default();
        assert!(anon.authorize(Operation::BrowseCatalog).is_ok());
        assert!(matches!(
            anon.require(Operation::Enroll),
            Err(ServerError::Unauthorized(_))
        ));
        let learner = Actor::new(Some(session(Role::Public)), Origin::default());
        assert!(learner.require(Operation::Enroll).is_ok());
        assert!(matches!(
            learner.require(Operation::PublishCourse),
            Err(ServerError::Forbidden(_))
        ));
    }
}
