//! `/consents`: what users allowed clients. Listed and withdrawn (deleted), never created or
//! changed here; withdrawing one makes the next authorization request show the consent page again.
//! A user without `consent_read` lists, reads and withdraws only their own consents.

use oauth_core::Store;
use oauth_core::model::Consent;
use oauth_core::store::records::Records;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::session::NoBody;
use crate::admin::{Ops, Principal, PrincipalKind, Resource};
use oauth_core::model::ConsentColumn;

/// A user's consent to a client.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    id: Uuid,
    realm_id: Uuid,
    user_id: Uuid,
    client_id: Uuid,
    /// The scopes consented to, space-separated.
    scope: String,
    /// Unix seconds (of the last widening).
    created_at: i64,
}

/// The `/consents` resource.
pub struct Consents;

impl Resource for Consents {
    type Model = Consent;
    type View = ConsentView;
    type Create = NoBody;
    type Update = NoBody;
    const PATH: &'static str = "consents";
    const ENTITY: &'static str = "consent";
    const REALM_COLUMN: Option<ConsentColumn> = Some(ConsentColumn::RealmId);
    const OPS: Ops = Ops {
        create: false,
        update: false,
        delete: true,
    };
    const OWNER_COLUMN: Option<ConsentColumn> = Some(ConsentColumn::UserId);
    const SELF_DELETE: bool = true;

    fn records(store: &dyn Store) -> &dyn Records<Consent> {
        store
    }
    fn realm_of(model: &Consent) -> Option<Uuid> {
        Some(model.realm_id)
    }
    fn view(c: &Consent) -> ConsentView {
        ConsentView {
            id: c.id,
            realm_id: c.realm_id,
            user_id: c.user_id,
            client_id: c.client_id,
            scope: c.scope.clone(),
            created_at: c.created_at,
        }
    }
    fn is_self(principal: &Principal, model: &Consent) -> bool {
        principal.kind == PrincipalKind::User && principal.id == model.user_id
    }
}
