//! The import plan: what each record of a checked file is to the database (new, identical, or a
//! conflict), decided before anything is written ([`plan`]); then the writes, one transaction per
//! realm ([`apply`]).

use std::collections::HashMap;

use uuid::Uuid;

use super::export::{InRealm, in_realm};
use super::{Conflict, Contents, RealmRecords, Refusal, realm_at, record_at};
use crate::error::StoreError;
use crate::grant::MASTER_REALM;
use crate::model::{ImportBatch, Permission};
use crate::store::Store;
use crate::store::StoreResult;
use crate::store::records::{Record, Records};

/// What to do with a record whose id the database holds with other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    /// Refuse the whole import (the default): nothing is written.
    #[default]
    Fail,
    /// Keep the database's record; import the rest.
    Skip,
}

/// How many records of a realm are new, identical or kept as the database has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Inserted.
    pub created: usize,
    /// Already there, identical (an assignment: the same pair, under any id).
    pub unchanged: usize,
    /// Already there with other content, kept ([`OnConflict::Skip`]).
    pub skipped: usize,
}

/// One realm's share of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmPlan {
    /// The realm's name.
    pub name: String,
    /// What to insert, in one transaction.
    pub batch: ImportBatch,
    /// The counts.
    pub tally: Tally,
}

/// A whole import, decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// In file order.
    pub realms: Vec<RealmPlan>,
}

/// What [`apply`] did for one realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmOutcome {
    /// The realm's name.
    pub name: String,
    /// The counts.
    pub tally: Tally,
}

/// Decides, for every record of a checked file, what the import does; answers the first
/// [`Refusal::Conflict`] instead when one refuses the import. Reads only.
///
/// A permission is matched by name when its id is unknown (permissions are capabilities named
/// the same everywhere; a fresh database's built-in permissions have ids of their own), and the
/// file's assignments then name the database's permission. New permissions are written in the
/// first realm's transaction.
pub fn plan(
    store: &(dyn Store + 'static),
    contents: &Contents,
    policy: OnConflict,
) -> Result<Plan, Refusal> {
    let PermissionPlan {
        new: mut new_permissions,
        ids: permission_ids,
        tally: mut permission_tally,
    } = plan_permissions(store, contents, policy)?;
    let mut realms = Vec::new();
    for realm in &contents.realms {
        let mut planned = plan_realm(store, realm, &permission_ids, policy)?;
        if realm.realm.name == MASTER_REALM
            && let Some(record) = &contents.bootstrap
        {
            match store
                .bootstrap_record()
                .map_err(|e| backend(&realm.realm.name, e))?
            {
                None => planned.batch.bootstrap = Some(record.clone()),
                Some(existing) if existing == *record => planned.tally.unchanged += 1,
                Some(_) => differs(&mut planned.tally, policy, || "bootstrap".to_owned())?,
            }
        }
        if realms.is_empty() {
            planned.tally.created += new_permissions.len();
            planned.tally.unchanged += std::mem::take(&mut permission_tally.unchanged);
            planned.tally.skipped += std::mem::take(&mut permission_tally.skipped);
            planned.batch.permissions = std::mem::take(&mut new_permissions);
        }
        realms.push(planned);
    }
    Ok(Plan { realms })
}

/// Writes each realm's inserts in one transaction, in file order. A realm whose transaction
/// fails (the database changed since the plan) is not written at all; realms before it stay.
pub fn apply(store: &dyn Store, plan: &Plan) -> Result<Vec<RealmOutcome>, (String, StoreError)> {
    let mut done = Vec::new();
    for realm in &plan.realms {
        if !realm.batch.is_empty() {
            store
                .import_realm(&realm.batch)
                .map_err(|e| (realm.name.clone(), e))?;
        }
        done.push(RealmOutcome {
            name: realm.name.clone(),
            tally: realm.tally,
        });
    }
    Ok(done)
}

/// New permissions, the database id of each of the file's permission ids, and the counts.
struct PermissionPlan {
    new: Vec<Permission>,
    ids: HashMap<Uuid, Uuid>,
    tally: Tally,
}

/// Matches the file's permissions with the database's: by id, else by name, else new.
fn plan_permissions(
    store: &dyn Store,
    contents: &Contents,
    policy: OnConflict,
) -> Result<PermissionPlan, Refusal> {
    let err = |e| backend("permissions", e);
    let existing = store.list_permissions().map_err(err)?;
    let mut new = Vec::new();
    let mut ids = HashMap::new();
    let mut tally = Tally::default();
    for p in &contents.permissions {
        let at = || format!("permission {:?}", p.name);
        if let Some(found) = existing.iter().find(|e| e.id == p.id) {
            if found.name != p.name {
                return Err(conflict(
                    at(),
                    Conflict::PermissionRenamed(found.name.clone()),
                ));
            }
            if found == p {
                tally.unchanged += 1;
            } else {
                differs(&mut tally, policy, at)?;
            }
            ids.insert(p.id, found.id);
        } else if let Some(found) = existing.iter().find(|e| e.name == p.name) {
            tally.unchanged += 1;
            ids.insert(p.id, found.id);
        } else {
            ids.insert(p.id, p.id);
            new.push(p.clone());
        }
    }
    Ok(PermissionPlan { new, ids, tally })
}

/// One realm: the realm itself, then each kind of record.
fn plan_realm(
    store: &(dyn Store + 'static),
    realm: &RealmRecords,
    permission_ids: &HashMap<Uuid, Uuid>,
    policy: OnConflict,
) -> Result<RealmPlan, Refusal> {
    let rn = realm.realm.name.as_str();
    let err = |e| backend(rn, e);
    let mut tally = Tally::default();
    let mut batch = ImportBatch::default();
    let exists = match store.find_realm(realm.realm.id).map_err(err)? {
        Some(found) => {
            if found == realm.realm {
                tally.unchanged += 1;
            } else {
                differs(&mut tally, policy, || realm_at(rn))?;
            }
            true
        }
        None => {
            if let Some(other) = store.find_realm_by_name(rn).map_err(err)? {
                return Err(conflict(realm_at(rn), Conflict::RealmNameTaken(other.id)));
            }
            batch.realm = Some(realm.realm.clone());
            tally.created += 1;
            false
        }
    };
    let mut kind = Kinds {
        store,
        realm: rn,
        realm_id: realm.realm.id,
        exists,
        policy,
        tally: &mut tally,
    };
    batch.scopes = kind.plan_in_realm("scope", &realm.scopes, |s| Some(&s.name))?;
    batch.roles = kind.plan_in_realm("role", &realm.roles, |r| Some(&r.name))?;
    batch.users = kind.plan_in_realm("user", &realm.users, |u| Some(&u.name))?;
    batch.clients = kind.plan_in_realm("client", &realm.clients, |c| Some(&c.name))?;
    // Keys are compared opened (the records API carries them as stored).
    let keys = || store.list_signing_keys(Some(realm.realm.id));
    batch.keys = kind.plan("key", &realm.keys, |_| None, keys)?;
    let map = |id: Uuid| permission_ids.get(&id).copied().unwrap_or(id);
    let mut role_permissions = realm.role_permissions.clone();
    role_permissions
        .iter_mut()
        .for_each(|a| a.permission_id = map(a.permission_id));
    let mut user_permissions = realm.user_permissions.clone();
    user_permissions
        .iter_mut()
        .for_each(|a| a.permission_id = map(a.permission_id));
    let mut client_permissions = realm.client_permissions.clone();
    client_permissions
        .iter_mut()
        .for_each(|a| a.permission_id = map(a.permission_id));
    batch.user_roles = kind.plan_in_realm("userRole", &realm.user_roles, |_| None)?;
    batch.role_permissions = kind.plan_in_realm("rolePermission", &role_permissions, |_| None)?;
    batch.user_permissions = kind.plan_in_realm("userPermission", &user_permissions, |_| None)?;
    batch.client_permissions =
        kind.plan_in_realm("clientPermission", &client_permissions, |_| None)?;
    batch.client_scopes = kind.plan_in_realm("clientScope", &realm.client_scopes, |_| None)?;
    Ok(RealmPlan {
        name: rn.to_owned(),
        batch,
        tally,
    })
}

/// Plans the records of one realm, kind by kind.
struct Kinds<'a> {
    store: &'a (dyn Store + 'static),
    realm: &'a str,
    realm_id: Uuid,
    /// Whether the realm is in the database (else nothing of it can be, but an id can still
    /// belong to another realm).
    exists: bool,
    policy: OnConflict,
    tally: &'a mut Tally,
}

impl Kinds<'_> {
    /// [`Kinds::plan`] for a record type listed by realm.
    fn plan_in_realm<T>(
        &mut self,
        kind: &str,
        file: &[T],
        name: impl Fn(&T) -> Option<&String>,
    ) -> Result<Vec<T>, Refusal>
    where
        T: InRealm + PartialEq,
        dyn Store: Records<T>,
    {
        let (store, realm_id) = (self.store, self.realm_id);
        self.plan(kind, file, name, || in_realm(store, realm_id))
    }

    /// The records of `file` to insert. A record is identical to the database's (nothing to do),
    /// or its id holds other content (a conflict under the policy), or its unique key is the
    /// database's under another id (a name: refused; an assignment's pair: the same grant, nothing
    /// to do), or its id is another realm's (refused), or it is new.
    fn plan<T>(
        &mut self,
        kind: &str,
        file: &[T],
        name: impl Fn(&T) -> Option<&String>,
        load: impl Fn() -> StoreResult<Vec<T>>,
    ) -> Result<Vec<T>, Refusal>
    where
        T: Record + PartialEq,
        dyn Store: Records<T>,
    {
        let err = |e| backend(self.realm, e);
        let existing: Vec<T> = if self.exists {
            load().map_err(err)?
        } else {
            Vec::new()
        };
        let mut new = Vec::new();
        for record in file {
            let at = || match name(record) {
                Some(n) => record_at(self.realm, kind, n),
                None => record_at(self.realm, kind, &record.id().to_string()),
            };
            if let Some(found) = existing.iter().find(|e| e.id() == record.id()) {
                if found == record {
                    self.tally.unchanged += 1;
                } else {
                    differs(self.tally, self.policy, at)?;
                }
            } else if let Some(found) = existing
                .iter()
                .find(|e| e.unique_key().is_some() && e.unique_key() == record.unique_key())
            {
                if name(record).is_some() {
                    return Err(conflict(at(), Conflict::NameTaken(found.id())));
                }
                self.tally.unchanged += 1;
            } else if Records::<T>::get_record(self.store, record.id())
                .map_err(err)?
                .is_some()
            {
                return Err(conflict(at(), Conflict::IdInAnotherRealm));
            } else {
                self.tally.created += 1;
                new.push(record.clone());
            }
        }
        Ok(new)
    }
}

/// A record whose id holds other content: refused, or counted as kept.
fn differs(tally: &mut Tally, policy: OnConflict, at: impl Fn() -> String) -> Result<(), Refusal> {
    match policy {
        OnConflict::Fail => Err(conflict(at(), Conflict::Differs)),
        OnConflict::Skip => {
            tally.skipped += 1;
            Ok(())
        }
    }
}

fn conflict(at: String, conflict: Conflict) -> Refusal {
    Refusal::Conflict { at, conflict }
}

/// A store failure while planning (nothing was written).
fn backend(at: &str, e: StoreError) -> Refusal {
    Refusal::Database {
        at: at.to_owned(),
        error: e.to_string(),
    }
}
