//! The one-time bootstrap of an empty database, and handing the built-in permissions a new
//! version brings to the built-in roles at every start.

use super::{
    ADMIN_ROLE, NewUser, assign, built_in_permissions, create_user, ensure_realm, grant_missing,
    tolerate_conflict,
};
use crate::error::{Error, StoreError};
use crate::grant::MASTER_REALM;
use crate::model::{BootstrapRecord, Permission, Realm, Role, UnixTime, UserRole};
use crate::model::{RoleColumn, UserRoleColumn};
use crate::password::PasswordHasher;
use crate::random::{Entropy, random_uuid};
use crate::secret::Password;
use crate::store::Store;
use crate::store::records::{ListQuery, Records, list_all};

/// What `bootstrap` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapReport {
    /// The master realm.
    pub realm: Realm,
    /// Whether the admin user was created by this run (with the configured password).
    pub admin_created: bool,
    /// What the one-time bootstrap recorded (the admin role and user, by id).
    pub record: BootstrapRecord,
    /// Custom permissions that held a name this version makes built-in, and the names they were
    /// moved to (their holders keep them; the built-in name now means the built-in permission).
    pub moved_permissions: Vec<(String, String)>,
}

/// Bootstraps an empty database, once: realm `master` with its scopes and keys, every built-in
/// permission, role `admin` holding them all, and user `admin_name` with `admin_password` in
/// that role; then completes a [`BootstrapRecord`] naming the role and the user by id.
///
/// The record is claimed before anything is created, so a start that finds the master realm
/// can tell a bootstrap under way or interrupted (the claim: finish it, converging on the same
/// records by name) from a database an older version bootstrapped (no record: adopt it, create
/// nothing). Once complete, bootstrap never creates or grants anything by name again: a deleted
/// admin stays deleted and a user renamed to `admin_name` gains nothing. It only hands the
/// built-in permissions a new version brings to the built-in roles (the recorded `admin` role
/// and every realm's `realm_admin`, found by their `built_in` flag, which no API call sets).
/// Adoption names master's built-in `admin` role, and the user `admin_name` only if that user
/// holds it.
pub fn bootstrap(
    store: &dyn Store,
    hasher: &PasswordHasher,
    admin_name: &str,
    admin_password: &Password,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<BootstrapReport, Error> {
    // Master first, then the record: the claim precedes master, so master without a record is
    // an older version's database, never a bootstrap under way.
    let master = store.find_realm_by_name(MASTER_REALM)?;
    let existing = store.bootstrap_record()?;
    let report = match (master, existing) {
        (_, Some(record)) if record.completed_at.is_some() => {
            let moved = add_new_permissions(store, rng)?;
            let realm = store
                .find_realm_by_name(MASTER_REALM)?
                .ok_or_else(|| Error::internal("the master realm is gone"))?;
            return Ok(BootstrapReport {
                realm,
                admin_created: false,
                record,
                moved_permissions: moved,
            });
        }
        (Some(_), None) => {
            let report = adopt(store, admin_name, now, rng)?;
            match store.save_bootstrap_record(&report.record) {
                // Another node adopted the same database at the same moment.
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            report
        }
        (_, claim) => {
            if claim.is_none() {
                let claim = BootstrapRecord {
                    admin_role_id: None,
                    admin_user_id: None,
                    completed_at: None,
                };
                match store.save_bootstrap_record(&claim) {
                    // Another node claimed first: both finish, with the same records by name.
                    Ok(()) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let report = first_bootstrap(store, hasher, admin_name, admin_password, now, rng)?;
            store.complete_bootstrap_record(&report.record)?;
            report
        }
    };
    // The stored record wins: another node may have completed or adopted first.
    let record = store
        .bootstrap_record()?
        .filter(|r| r.completed_at.is_some())
        .unwrap_or(report.record);
    Ok(BootstrapReport { record, ..report })
}

/// Adds the built-in permissions this version knows and the database lacks, and grants exactly
/// those to every built-in role. A custom permission holding one of those names is moved aside
/// first (renamed, its holders keep it): a name this version reserves must not carry built-in
/// power to whoever held a look-alike. Answers the moves (old name, new name).
fn add_new_permissions(
    store: &dyn Store,
    rng: &mut dyn Entropy,
) -> Result<Vec<(String, String)>, Error> {
    let existing = store.list_permissions()?;
    let mut added = Vec::new();
    let mut moved = Vec::new();
    for name in built_in_permissions() {
        match existing.iter().find(|p| p.name == name) {
            Some(p) if p.built_in => continue,
            Some(custom) => {
                let mut aside = custom.clone();
                aside.name = format!("{name}_custom_{}", &custom.id.simple().to_string()[..8]);
                Records::<Permission>::update_record(store, &aside)?;
                moved.push((name.clone(), aside.name));
            }
            None => {}
        }
        let permission = Permission {
            id: random_uuid(rng),
            name,
            description: None,
            built_in: true,
        };
        tolerate_conflict(store.create_permission(&permission))?;
        added.push(permission.name);
    }
    if added.is_empty() {
        return Ok(moved);
    }
    let added: Vec<Permission> = store
        .list_permissions()?
        .into_iter()
        .filter(|p| p.built_in && added.contains(&p.name))
        .collect();
    let built_in: Vec<Role> = list_all(store, &ListQuery::by(RoleColumn::BuiltIn, true))?;
    for role in &built_in {
        grant_missing(store, role, &added, rng)?;
    }
    Ok(moved)
}

/// The first bootstrap of an empty database (tolerant of a node doing the same concurrently).
fn first_bootstrap(
    store: &dyn Store,
    hasher: &PasswordHasher,
    admin_name: &str,
    admin_password: &Password,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<BootstrapReport, Error> {
    let realm = ensure_realm(store, MASTER_REALM, now, rng)?;
    let moved = add_new_permissions(store, rng)?;
    if store.find_role_by_name(realm.id, ADMIN_ROLE)?.is_none() {
        let role = Role {
            id: random_uuid(rng),
            realm_id: realm.id,
            name: ADMIN_ROLE.to_owned(),
            description: Some("Holds every permission".to_owned()),
            built_in: true,
        };
        tolerate_conflict(store.create_role(&role))?;
    }
    let role = store
        .find_role_by_name(realm.id, ADMIN_ROLE)?
        .ok_or_else(|| Error::internal("admin role vanished during bootstrap"))?;
    grant_missing(store, &role, &store.list_permissions()?, rng)?;
    let mut admin_created = false;
    if store.find_user_by_name(realm.id, admin_name)?.is_none() {
        let new = NewUser {
            name: admin_name.to_owned(),
            email: None,
            password: Some(admin_password.clone()),
        };
        match create_user(store, hasher, &realm, new, now, rng) {
            Ok(_) => admin_created = true,
            Err(Error::Store(StoreError::Conflict(_))) => {}
            Err(e) => return Err(e),
        }
    }
    let admin = store
        .find_user_by_name(realm.id, admin_name)?
        .ok_or_else(|| Error::internal("admin user vanished during bootstrap"))?;
    let query =
        ListQuery::by(UserRoleColumn::UserId, admin.id).and(UserRoleColumn::RoleId, role.id);
    if Records::<UserRole>::list_records(store, &query)?.total == 0 {
        let grant = UserRole {
            id: random_uuid(rng),
            realm_id: realm.id,
            user_id: admin.id,
            role_id: role.id,
        };
        assign(store, &grant)?;
    }
    let record = BootstrapRecord {
        admin_role_id: Some(role.id),
        admin_user_id: Some(admin.id),
        completed_at: Some(now),
    };
    Ok(BootstrapReport {
        realm,
        admin_created,
        record,
        moved_permissions: moved,
    })
}

/// Records a database bootstrapped by a version without the record: master's built-in `admin`
/// role, and the user `admin_name` only if it holds that role. Creates no user and no role,
/// however empty the realm (a master whose users were all deleted gets no default admin back).
fn adopt(
    store: &dyn Store,
    admin_name: &str,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<BootstrapReport, Error> {
    let realm = store
        .find_realm_by_name(MASTER_REALM)?
        .ok_or_else(|| Error::internal("the master realm is gone"))?;
    let moved = add_new_permissions(store, rng)?;
    let role = store
        .find_role_by_name(realm.id, ADMIN_ROLE)?
        .filter(|r| r.built_in);
    let admin = match (&role, store.find_user_by_name(realm.id, admin_name)?) {
        (Some(role), Some(user)) => {
            let query =
                ListQuery::by(UserRoleColumn::UserId, user.id).and(UserRoleColumn::RoleId, role.id);
            (Records::<UserRole>::list_records(store, &query)?.total > 0).then_some(user.id)
        }
        _ => None,
    };
    let record = BootstrapRecord {
        admin_role_id: role.map(|r| r.id),
        admin_user_id: admin,
        completed_at: Some(now),
    };
    Ok(BootstrapReport {
        realm,
        admin_created: false,
        record,
        moved_permissions: moved,
    })
}
