//! `/sessions`: login sessions at the authorization server. They are listed and ended, never
//! created or changed here; deleting one ends it like a logout (the cookie stops working and the
//! refresh token families issued in it are revoked).

use oauth_core::Store;
use oauth_core::model::Session;
use oauth_core::store::records::Records;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin::{Ctx, Ops, Resource};
use crate::error::ApiError;
use oauth_core::model::SessionColumn;

/// A login session (never its cookie).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: Uuid,
    realm_id: Uuid,
    user_id: Uuid,
    /// Unix seconds.
    auth_time: i64,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    expires_at: i64,
    /// Unix seconds; set once ended.
    revoked_at: Option<i64>,
}

/// Sessions cannot be created or changed here.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

/// The `/sessions` resource.
pub struct Sessions;

impl Resource for Sessions {
    type Model = Session;
    type View = SessionView;
    type Create = NoBody;
    type Update = NoBody;
    const PATH: &'static str = "sessions";
    const ENTITY: &'static str = "session";
    const REALM_COLUMN: Option<SessionColumn> = Some(SessionColumn::RealmId);
    const OPS: Ops = Ops {
        create: false,
        update: false,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<Session> {
        store
    }
    fn realm_of(model: &Session) -> Option<Uuid> {
        Some(model.realm_id)
    }
    fn view(s: &Session) -> SessionView {
        SessionView {
            id: s.id,
            realm_id: s.realm_id,
            user_id: s.user_id,
            auth_time: s.auth_time,
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
        }
    }

    fn delete(ctx: &mut Ctx<'_>, session: &Session) -> Result<(), ApiError> {
        let realm = ctx
            .store
            .find_realm(session.realm_id)
            .map_err(ApiError::admin_store)?
            .ok_or_else(|| ApiError::NoRecord("the session's realm is gone".into()))?;
        oauth_core::revocation::revoke_grants(
            ctx.store,
            &realm,
            oauth_core::store::GrantHolder::Session(session.id),
            ctx.now,
        )
        .map_err(ApiError::from)?;
        ctx.store
            .revoke_session(session.id, ctx.now)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}
