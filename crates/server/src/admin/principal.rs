//! Who calls the admin API: the bearer of an access token, with the permissions it holds.
//!
//! A user's permissions come from their roles and direct grants; a client's (client-credentials
//! token) from its client permissions. Permissions held by a principal of the master realm apply
//! to every realm (global); anyone else's apply inside their own realm only. Only tokens whose
//! scope includes `global` are accepted (`403 insufficient_scope` otherwise).

use std::collections::BTreeSet;

use actix_web::HttpRequest;
use oauth_core::authority::{self, Subject};
use oauth_core::grant::{MASTER_REALM, Settings};
use oauth_core::model::{Realm, UnixTime};
use oauth_core::{Store, bearer};
use uuid::Uuid;

use crate::error::ApiError;

/// What kind of subject a token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A user (password or code grant).
    User,
    /// A client (client-credentials grant).
    Client,
    /// The operator at the command line (holds every permission).
    Operator,
}

impl Kind {
    /// The audit name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Client => "client",
            Self::Operator => "operator",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User or client.
    pub kind: Kind,
    /// The user's or client's id.
    pub id: Uuid,
    /// Their realm.
    pub realm: Realm,
    /// Permission names they hold.
    pub permissions: BTreeSet<String>,
}

impl Principal {
    /// Whether their permissions apply in every realm.
    pub fn is_global(&self) -> bool {
        self.realm.name == MASTER_REALM
    }

    /// Whether they hold `permission` for records of `realm_id` (`None`: a record of no realm,
    /// such as a permission, which only global principals may change).
    pub fn may(&self, permission: &str, realm_id: Option<Uuid>) -> bool {
        self.permissions.contains(permission)
            && (self.is_global() || realm_id == Some(self.realm.id))
    }

    /// Containment (`oauth_core::authority`): `Ok` if they hold every permission `subject`
    /// holds, as anyone changing its credentials, name or `active`, or deleting it, must.
    pub fn contain(&self, store: &dyn Store, subject: Subject) -> Result<(), ApiError> {
        if self.kind == Kind::Operator {
            return Ok(());
        }
        authority::may_act_on(store, &self.permissions, subject)
            .map_err(ApiError::admin_store)?
            .map_err(ApiError::from)
    }

    /// `Ok` if they hold every built-in permission (in their realm, or everywhere when global):
    /// needed to make a client first-party or widen one, since a first-party client skips consent
    /// and may receive `global`, so it can carry any signed-in user's power.
    pub fn require_full_administrator(&self, what: &str) -> Result<(), ApiError> {
        let missing = oauth_core::provision::built_in_permissions()
            .into_iter()
            .find(|p| !self.permissions.contains(p));
        match missing {
            None => Ok(()),
            Some(p) => Err(ApiError::Forbidden(format!(
                "{what} needs every built-in permission ({p} is missing)"
            ))),
        }
    }

    /// `Ok` if they [`may`](Self::may), else `403` naming the permission.
    pub fn require(&self, permission: &str, realm_id: Option<Uuid>) -> Result<(), ApiError> {
        if self.may(permission, realm_id) {
            Ok(())
        } else if self.permissions.contains(permission) {
            Err(ApiError::Forbidden(format!(
                "permission {permission} does not extend to this realm"
            )))
        } else {
            Err(ApiError::Forbidden(format!(
                "permission {permission} is required"
            )))
        }
    }
}

/// The operator running a `portcullis` command on the server: global, with every permission.
pub fn operator(store: &dyn Store) -> Result<Principal, ApiError> {
    let realm = store
        .find_realm_by_name(MASTER_REALM)
        .map_err(ApiError::admin_store)?
        .ok_or_else(|| {
            ApiError::NoRecord("realm master does not exist; run `portcullis bootstrap`".into())
        })?;
    let permissions = store.list_permissions().map_err(ApiError::admin_store)?;
    Ok(Principal {
        kind: Kind::Operator,
        id: Uuid::nil(),
        realm,
        permissions: permissions.into_iter().map(|p| p.name).collect(),
    })
}

/// The bearer token of the `Authorization` header.
pub fn bearer_of(req: &HttpRequest) -> Result<String, ApiError> {
    crate::bearer::from_header(req)
        .map_err(ApiError::Unauthorized)?
        .ok_or(ApiError::Unauthorized("a bearer token is required"))
}

/// Verifies the token and loads what its subject may do (on the blocking pool).
pub fn authenticate(
    store: &dyn Store,
    settings: &Settings,
    token: &str,
    now: UnixTime,
) -> Result<Principal, ApiError> {
    let token = match bearer::verify(store, settings, token, now).map_err(ApiError::from)? {
        Ok(token) => token,
        Err(invalid) => return Err(ApiError::Unauthorized(invalid.0)),
    };
    // A token a relying party obtained (no `global`) carries none of its user's admin power.
    authority::admin_access(&token.scope)?;
    let id = token.subject.id();
    let (kind, permissions) = match token.subject {
        Subject::User(_) => {
            let user = store.find_user(id).map_err(ApiError::admin_store)?;
            if !user.is_some_and(|u| u.active && u.realm_id == token.realm.id) {
                return Err(ApiError::Unauthorized(
                    "the token's user is gone or inactive",
                ));
            }
            let names = store
                .user_permission_names(id)
                .map_err(ApiError::admin_store)?;
            (Kind::User, names)
        }
        Subject::Client(_) => {
            let client = store.find_client(id).map_err(ApiError::admin_store)?;
            if !client.is_some_and(|c| c.active && c.realm_id == token.realm.id) {
                return Err(ApiError::Unauthorized(
                    "the token's client is gone or inactive",
                ));
            }
            let names = store
                .client_permission_names(id)
                .map_err(ApiError::admin_store)?;
            (Kind::Client, names)
        }
    };
    Ok(Principal {
        kind,
        id,
        realm: token.realm,
        permissions: permissions.into_iter().collect(),
    })
}
