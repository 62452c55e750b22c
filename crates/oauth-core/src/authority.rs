//! The server's own authorization: who may use the admin API, and containment.
//!
//! Two rules, decided here and nowhere else (the admin API and introspection call them):
//!
//! - **Admin access needs `global`.** Only an access token whose scope includes [`ADMIN_SCOPE`]
//!   drives the admin API or introspects as a bearer ([`admin_access`]). The client-less password
//!   grant gets it by default (as Authup); a first-party client that lists it may get it; a
//!   third-party client never does ([`may_receive_admin_scope`]), so a token a relying party
//!   obtained for `openid email` carries none of the user's admin power.
//! - **Containment.** Changing another principal's password, secret, `authMethod`, name or
//!   `active`, or deleting it, requires holding every permission that principal effectively holds
//!   (roles and direct grants) ([`contain`]). Granting already follows the same rule: nobody hands
//!   out a permission they do not hold. Together no sequence of admin operations leads a principal
//!   to more power than the principals who acted held.
//!
//! Changing one's own password needs the current password ([`Refusal::CurrentPasswordRequired`]).

use std::collections::BTreeSet;

use crate::error::StoreError;
use crate::model::Client;
use crate::scope::Scope;
use crate::store::Store;

/// The scope an access token needs to drive the admin API.
pub const ADMIN_SCOPE: &str = "global";

/// Why the server refuses an administrative act.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The token's scope lacks [`ADMIN_SCOPE`] (RFC 6750 `insufficient_scope`).
    #[error("the token's scope does not include global")]
    InsufficientScope,
    /// The target holds a permission the caller does not.
    #[error("the target holds permission {0}, which the caller does not hold")]
    Exceeds(String),
    /// A principal changing its own password must give the current one.
    #[error("currentPassword is required to change one's own password")]
    CurrentPasswordRequired,
    /// The current password given is wrong.
    #[error("currentPassword is wrong")]
    CurrentPasswordWrong,
    /// The caller lacks a permission the act needs.
    #[error("permission {0} is required")]
    MissingPermission(&'static str),
}

pub use crate::token::Subject;

/// Whether a token of `scope` may drive the admin API.
pub fn admin_access(scope: &Scope) -> Result<(), Refusal> {
    if scope.contains(ADMIN_SCOPE) {
        Ok(())
    } else {
        Err(Refusal::InsufficientScope)
    }
}

/// Whether a token issued through `client` (`None`: the client-less password grant) may carry
/// [`ADMIN_SCOPE`]: no client, or a first-party client whose allowed scopes list it (or that
/// allows every scope of the realm).
pub fn may_receive_admin_scope(client: Option<&Client>) -> bool {
    match client {
        None => true,
        Some(c) => {
            c.first_party
                && c.scope
                    .as_deref()
                    .is_none_or(|s| s.split(' ').any(|t| t == ADMIN_SCOPE))
        }
    }
}

/// Containment: `Ok` if `actor` holds every permission of `target`, else the first one missing.
pub fn contain<'a>(
    actor: &BTreeSet<String>,
    target: impl IntoIterator<Item = &'a String>,
) -> Result<(), Refusal> {
    match target.into_iter().find(|p| !actor.contains(*p)) {
        Some(missing) => Err(Refusal::Exceeds(missing.clone())),
        None => Ok(()),
    }
}

/// The permissions `subject` effectively holds (a user: through roles and directly; a client:
/// its client permissions).
pub fn effective_permissions(
    store: &dyn Store,
    subject: Subject,
) -> Result<Vec<String>, StoreError> {
    match subject {
        Subject::User(id) => store.user_permission_names(id),
        Subject::Client(id) => store.client_permission_names(id),
    }
}

/// Containment against a stored principal: `Ok(Err(_))` when `actor` may not act on `subject`.
pub fn may_act_on(
    store: &dyn Store,
    actor: &BTreeSet<String>,
    subject: Subject,
) -> Result<Result<(), Refusal>, StoreError> {
    Ok(contain(actor, &effective_permissions(store, subject)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn containment_table() {
        let cases: &[(&[&str], &[&str], Option<&str>)] = &[
            (&[], &[], None),
            (&["user_update"], &[], None),
            (&["user_update"], &["user_update"], None),
            (
                &["user_update"],
                &["user_update", "realm_create"],
                Some("realm_create"),
            ),
            (&[], &["user_read"], Some("user_read")),
            (&["a", "b", "c"], &["c", "a"], None),
        ];
        for (actor, target, missing) in cases {
            let target = set(target);
            let got = contain(&set(actor), &target).err();
            assert_eq!(
                got,
                missing.map(|m| Refusal::Exceeds(m.to_owned())),
                "{actor:?} on {target:?}"
            );
        }
    }

    #[test]
    fn admin_scope_table() {
        for (scope, ok) in [
            ("global", true),
            ("openid global email", true),
            ("openid email", false),
            ("", false),
            ("globals", false),
        ] {
            let scope = Scope::parse(scope).unwrap();
            assert_eq!(admin_access(&scope).is_ok(), ok, "{scope}");
        }
    }

    #[test]
    fn who_may_receive_global() {
        let client = |first_party: bool, scope: Option<&str>| Client {
            first_party,
            scope: scope.map(str::to_owned),
            id: Uuid::nil(),
            realm_id: Uuid::nil(),
            name: "app".into(),
            display_name: None,
            description: None,
            active: true,
            secret_hash: None,
            grant_types: None,
            redirect_uri: None,
            post_logout_redirect_uri: None,
            id_token_signed_response_alg: None,
            created_at: 0,
            updated_at: 0,
        };
        assert!(may_receive_admin_scope(None));
        assert!(may_receive_admin_scope(Some(&client(true, None))));
        assert!(may_receive_admin_scope(Some(&client(
            true,
            Some("openid global")
        ))));
        assert!(!may_receive_admin_scope(Some(&client(
            true,
            Some("openid")
        ))));
        assert!(!may_receive_admin_scope(Some(&client(false, None))));
        assert!(!may_receive_admin_scope(Some(&client(
            false,
            Some("global")
        ))));
    }
}
