//! What a client may ask for: its `client_scopes` assignments are the one source of truth.
//!
//! The client's `scope` field is derived from them, the space-separated names of its assigned
//! scopes, kept in step by every write here (a client's creation, a change of its `scope`, a
//! `/client-scopes` assignment made or removed, a scope renamed), so the token endpoint reads it
//! from the cached client record without another query. A client registered without a list is
//! assigned every scope its realm has at that moment; scopes added to the realm later are not
//! assigned to anyone by themselves.

use crate::model::ClientScopeColumn;
use uuid::Uuid;

use crate::error::{Error, OAuthError};
use crate::model::{Client, ClientScope, ScopeRecord};
use crate::random::{Entropy, random_uuid};
use crate::scope::Scope;
use crate::store::Store;
use crate::store::records::{ListQuery, Records, list_all};

/// The realm's scope records a client registered with `wanted` gets (`None`: all of them);
/// an unknown name is `invalid_scope`.
pub fn resolve(
    store: &dyn Store,
    realm_id: Uuid,
    wanted: Option<&Scope>,
) -> Result<Vec<ScopeRecord>, Error> {
    let realm_scopes = store.list_scopes(realm_id)?;
    let Some(wanted) = wanted else {
        return Ok(realm_scopes);
    };
    let known: Scope = realm_scopes.iter().map(|s| s.name.clone()).collect();
    if !wanted.is_subset(&known) {
        return Err(OAuthError::invalid_scope(format!(
            "unknown scope: {}",
            wanted.missing_from(&known)
        ))
        .into());
    }
    Ok(realm_scopes
        .into_iter()
        .filter(|s| wanted.contains(&s.name))
        .collect())
}

fn assignments(store: &dyn Store, client_id: Uuid) -> Result<Vec<ClientScope>, Error> {
    let query = ListQuery::by(ClientScopeColumn::ClientId, client_id);
    Ok(list_all(store, &query)?)
}

/// Makes `scopes` exactly the client's assignments and writes its derived `scope` field.
pub fn assign(
    store: &dyn Store,
    client: &mut Client,
    scopes: &[ScopeRecord],
    rng: &mut dyn Entropy,
) -> Result<(), Error> {
    let held = assignments(store, client.id)?;
    for a in &held {
        if !scopes.iter().any(|s| s.id == a.scope_id) {
            Records::<ClientScope>::delete_record(store, a.id)?;
        }
    }
    for scope in scopes {
        if !held.iter().any(|a| a.scope_id == scope.id) {
            let record = ClientScope {
                id: random_uuid(rng),
                realm_id: client.realm_id,
                client_id: client.id,
                scope_id: scope.id,
            };
            crate::provision::assign(store, &record)?;
        }
    }
    client.scope = Some(derived(scopes.iter().map(|s| s.name.clone())));
    Records::<Client>::update_record(store, client)?;
    Ok(())
}

/// Rewrites a client's derived `scope` field from its assignments (after `/client-scopes`
/// writes, or a scope renamed or deleted).
pub fn sync(store: &dyn Store, client_id: Uuid) -> Result<(), Error> {
    let Some(mut client) = store.find_client(client_id)? else {
        return Ok(());
    };
    let realm_scopes = store.list_scopes(client.realm_id)?;
    let names = assignments(store, client_id)?.into_iter().filter_map(|a| {
        realm_scopes
            .iter()
            .find(|s| s.id == a.scope_id)
            .map(|s| s.name.clone())
    });
    let scope = Some(derived(names));
    if client.scope != scope {
        client.scope = scope;
        Records::<Client>::update_record(store, &client)?;
    }
    Ok(())
}

/// Re-derives the `scope` field of every client assigned `scope_id` (it was renamed).
pub fn sync_holders(store: &dyn Store, scope_id: Uuid) -> Result<(), Error> {
    let query = ListQuery::by(ClientScopeColumn::ScopeId, scope_id);
    let assigned: Vec<ClientScope> = list_all(store, &query)?;
    for a in assigned {
        sync(store, a.client_id)?;
    }
    Ok(())
}

fn derived(names: impl Iterator<Item = String>) -> String {
    names.collect::<Scope>().to_string()
}
