//! `/events`: the audit log, read-only; filter by realm, name, outcome, actor or target, newest
//! first with `sort=-createdAt`. Old events are purged after `events.retention_days`.

use oauth_core::Store;
use oauth_core::model::Event;
use oauth_core::store::records::Records;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::session::NoBody;
use crate::admin::{Ops, Resource};
use oauth_core::model::EventColumn;

/// An audit event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    id: Uuid,
    realm_id: Option<Uuid>,
    /// `login`, `token_issued`, `refresh_reuse`, `authorization`, `logout`, or
    /// `<entity>_<create|update|delete>`.
    name: String,
    success: bool,
    /// `user` or `client`.
    actor_type: Option<String>,
    actor_id: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    ip: Option<String>,
    detail: Option<String>,
    /// How many identical events (same actor, target, address and outcome, within one write
    /// batch) this record stands for.
    count: i64,
    /// Unix seconds.
    created_at: i64,
}

/// The `/events` resource.
pub struct Events;

impl Resource for Events {
    type Model = Event;
    type View = EventView;
    type Create = NoBody;
    type Update = NoBody;
    const PATH: &'static str = "events";
    const ENTITY: &'static str = "event";
    const REALM_COLUMN: Option<EventColumn> = Some(EventColumn::RealmId);
    const OPS: Ops = Ops {
        create: false,
        update: false,
        delete: false,
    };

    fn records(store: &dyn Store) -> &dyn Records<Event> {
        store
    }
    fn realm_of(model: &Event) -> Option<Uuid> {
        model.realm_id
    }
    fn view(e: &Event) -> EventView {
        EventView {
            id: e.id,
            realm_id: e.realm_id,
            name: e.name.clone(),
            success: e.success,
            actor_type: e.actor_type.clone(),
            actor_id: e.actor_id.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            ip: e.ip.clone(),
            detail: e.detail.clone(),
            count: e.count,
            created_at: e.created_at,
        }
    }
}
