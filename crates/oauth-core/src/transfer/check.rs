//! Reading a file whole ([`parse`]) and checking its records among themselves ([`check`]), before
//! anything is compared with the database or written.

use std::collections::HashSet;

use uuid::Uuid;

use super::format::{ExportFile, FORMAT, Header, VERSION};
use super::{Contents, Problem, RealmRecords, Refusal, realm_at, record_at};
use crate::grant::MASTER_REALM;
use crate::keys::Signer;
use crate::password::is_verifiable_hash;
use crate::provision::validate_realm_name;
use crate::text::{Strictness, has_control};

/// Parses a whole export file: the format and version first, then every field strictly.
pub fn parse(bytes: &[u8]) -> Result<ExportFile, Refusal> {
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(Refusal::NotAnExport(header.format));
    }
    if header.version != Some(u64::from(VERSION)) {
        return Err(Refusal::UnknownVersion(header.version));
    }
    serde_json::from_slice(bytes).map_err(|e| Refusal::Unreadable(e.to_string()))
}

/// Checks the file's records among themselves: every id once, names valid and unique where they
/// must be, text without control characters, hashes of a form this server verifies, keys that
/// load, assignments that name records of their own realm (and permissions of the file), and a
/// bootstrap record that names master's role and user.
pub fn check(contents: &Contents) -> Result<(), Refusal> {
    let mut ids = Ids::default();
    let mut permission_names = HashSet::new();
    for p in &contents.permissions {
        let at = || format!("permission {:?}", p.name);
        ids.once(&at, p.id)?;
        name(&at(), &p.name)?;
        prose(&at(), "description", p.description.as_deref())?;
        if !permission_names.insert(p.name.as_str()) {
            return Err(invalid(at(), Problem::DuplicateName));
        }
    }
    let permissions: HashSet<Uuid> = contents.permissions.iter().map(|p| p.id).collect();
    let mut realm_names = HashSet::new();
    for realm in &contents.realms {
        let r = &realm.realm;
        let at = || realm_at(&r.name);
        validate_realm_name(&r.name).map_err(|e| invalid(at(), Problem::BadName(e.to_string())))?;
        if !realm_names.insert(r.name.as_str()) {
            return Err(invalid(at(), Problem::DuplicateName));
        }
        ids.once(&at, r.id)?;
        prose(&at(), "displayName", r.display_name.as_deref())?;
        check_realm(realm, &mut ids, &permissions)?;
    }
    check_bootstrap(contents)
}

/// A realm's own records and assignments.
fn check_realm(
    realm: &RealmRecords,
    ids: &mut Ids,
    permissions: &HashSet<Uuid>,
) -> Result<(), Refusal> {
    let rn = realm.realm.name.as_str();
    let mut named = |kind: &str, items: Vec<(Uuid, &str, Option<&str>)>| {
        let mut names = HashSet::new();
        for (id, n, description) in items {
            let at = || record_at(rn, kind, n);
            ids.once(&at, id)?;
            name(&at(), n)?;
            prose(&at(), "description", description)?;
            if !names.insert(n) {
                return Err(invalid(at(), Problem::DuplicateName));
            }
        }
        Ok(())
    };
    named(
        "scope",
        realm
            .scopes
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.description.as_deref()))
            .collect(),
    )?;
    named(
        "role",
        realm
            .roles
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.description.as_deref()))
            .collect(),
    )?;
    named(
        "user",
        realm
            .users
            .iter()
            .map(|u| (u.id, u.name.as_str(), None))
            .collect(),
    )?;
    named(
        "client",
        realm
            .clients
            .iter()
            .map(|c| (c.id, c.name.as_str(), c.description.as_deref()))
            .collect(),
    )?;
    for u in &realm.users {
        let at = record_at(rn, "user", &u.name);
        prose(&at, "displayName", u.display_name.as_deref())?;
        for (field, value) in [
            ("firstName", &u.first_name),
            ("lastName", &u.last_name),
            ("email", &u.email),
        ] {
            token(&at, field, value.as_deref())?;
        }
        if let Some(hash) = &u.password_hash
            && !is_verifiable_hash(hash.secret())
        {
            return Err(invalid(at, Problem::BadPasswordHash));
        }
    }
    for c in &realm.clients {
        let at = record_at(rn, "client", &c.name);
        prose(&at, "displayName", c.display_name.as_deref())?;
        for (field, value) in [
            ("grantTypes", &c.grant_types),
            ("scope", &c.scope),
            ("redirectUri", &c.redirect_uri),
            ("postLogoutRedirectUri", &c.post_logout_redirect_uri),
        ] {
            token(&at, field, value.as_deref())?;
        }
        if let Some(hash) = &c.secret_hash {
            let hex = hash.as_str();
            if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(invalid(at, Problem::BadSecretHash));
            }
        }
    }
    for k in &realm.keys {
        let at = || record_at(rn, "key", &k.id.to_string());
        ids.once(&at, k.id)?;
        check_key(k).map_err(|problem| invalid(at(), problem))?;
    }
    check_assignments(realm, ids, permissions)
}

/// A key's private half loads for its algorithm and its public JWK names it.
fn check_key(k: &crate::model::SigningKey) -> Result<(), Problem> {
    Signer::from_key(k).map_err(|_| {
        Problem::BadKey(format!(
            "privateKey does not load as an {} key (a sealed key needs the keys.encryption_key \
             it was sealed with)",
            k.algorithm.as_str()
        ))
    })?;
    let jwk: serde_json::Value = serde_json::from_str(&k.public_jwk)
        .map_err(|_| Problem::BadKey("publicJwk is not JSON".into()))?;
    let kid = k.id.to_string();
    if jwk["kid"].as_str() != Some(kid.as_str())
        || jwk["alg"].as_str() != Some(k.algorithm.as_str())
    {
        return Err(Problem::BadKey(
            "publicJwk does not carry the key's id as kid and its algorithm as alg".into(),
        ));
    }
    Ok(())
}

/// Every assignment names records of its realm in the file (and permissions of the file), once.
fn check_assignments(
    realm: &RealmRecords,
    ids: &mut Ids,
    permissions: &HashSet<Uuid>,
) -> Result<(), Refusal> {
    let rn = realm.realm.name.as_str();
    let set = |ids: Vec<Uuid>| ids.into_iter().collect::<HashSet<_>>();
    let users = set(realm.users.iter().map(|u| u.id).collect());
    let clients = set(realm.clients.iter().map(|c| c.id).collect());
    let roles = set(realm.roles.iter().map(|r| r.id).collect());
    let scopes = set(realm.scopes.iter().map(|s| s.id).collect());
    let lists: [Pairs<'_>; 5] = [
        (
            "userRole",
            realm
                .user_roles
                .iter()
                .map(|a| (a.id, a.user_id, a.role_id))
                .collect(),
            ("userId", &users),
            ("roleId", &roles),
        ),
        (
            "rolePermission",
            realm
                .role_permissions
                .iter()
                .map(|a| (a.id, a.role_id, a.permission_id))
                .collect(),
            ("roleId", &roles),
            ("permissionId", permissions),
        ),
        (
            "userPermission",
            realm
                .user_permissions
                .iter()
                .map(|a| (a.id, a.user_id, a.permission_id))
                .collect(),
            ("userId", &users),
            ("permissionId", permissions),
        ),
        (
            "clientPermission",
            realm
                .client_permissions
                .iter()
                .map(|a| (a.id, a.client_id, a.permission_id))
                .collect(),
            ("clientId", &clients),
            ("permissionId", permissions),
        ),
        (
            "clientScope",
            realm
                .client_scopes
                .iter()
                .map(|a| (a.id, a.client_id, a.scope_id))
                .collect(),
            ("clientId", &clients),
            ("scopeId", &scopes),
        ),
    ];
    for (kind, rows, (left_field, left), (right_field, right)) in lists {
        let mut pairs = HashSet::new();
        for (id, l, r) in rows {
            let at = || record_at(rn, kind, &id.to_string());
            ids.once(&at, id)?;
            for (field, value, known) in [(left_field, l, left), (right_field, r, right)] {
                if !known.contains(&value) {
                    return Err(invalid(
                        at(),
                        Problem::UnknownReference { field, id: value },
                    ));
                }
            }
            if !pairs.insert((l, r)) {
                return Err(invalid(at(), Problem::DuplicateAssignment));
            }
        }
    }
    Ok(())
}

/// The bootstrap record comes with master and names master's role and user.
fn check_bootstrap(contents: &Contents) -> Result<(), Refusal> {
    let Some(record) = &contents.bootstrap else {
        return Ok(());
    };
    let bad = |why| invalid("bootstrap".into(), Problem::BadBootstrap(why));
    let Some(master) = contents
        .realms
        .iter()
        .find(|r| r.realm.name == MASTER_REALM)
    else {
        return Err(bad("a bootstrap record comes only with the master realm"));
    };
    if let Some(role) = record.admin_role_id
        && !master.roles.iter().any(|r| r.id == role)
    {
        return Err(bad(
            "adminRoleId is not a role of the master realm in the file",
        ));
    }
    if let Some(user) = record.admin_user_id
        && !master.users.iter().any(|u| u.id == user)
    {
        return Err(bad(
            "adminUserId is not a user of the master realm in the file",
        ));
    }
    Ok(())
}

/// Every id of the file, to find one used twice.
#[derive(Default)]
struct Ids(HashSet<Uuid>);

impl Ids {
    fn once(&mut self, at: &dyn Fn() -> String, id: Uuid) -> Result<(), Refusal> {
        if self.0.insert(id) {
            Ok(())
        } else {
            Err(invalid(at(), Problem::DuplicateId(id)))
        }
    }
}

/// One kind of assignment: its name, its rows (id, left, right), and each side's field and the
/// ids it may hold.
type Pairs<'a> = (
    &'static str,
    Vec<(Uuid, Uuid, Uuid)>,
    (&'static str, &'a HashSet<Uuid>),
    (&'static str, &'a HashSet<Uuid>),
);

fn invalid(at: String, problem: Problem) -> Refusal {
    Refusal::Invalid { at, problem }
}

/// A record's name: 1 to 128 characters, no control characters.
fn name(at: &str, value: &str) -> Result<(), Refusal> {
    if value.is_empty() || value.chars().count() > 128 || has_control(value, Strictness::Token) {
        return Err(invalid(
            at.to_owned(),
            Problem::BadName(
                "the name must be 1 to 128 characters without control characters".into(),
            ),
        ));
    }
    Ok(())
}

fn token(at: &str, field: &'static str, value: Option<&str>) -> Result<(), Refusal> {
    match value {
        Some(v) if has_control(v, Strictness::Token) => {
            Err(invalid(at.to_owned(), Problem::ControlCharacters(field)))
        }
        _ => Ok(()),
    }
}

fn prose(at: &str, field: &'static str, value: Option<&str>) -> Result<(), Refusal> {
    match value {
        Some(v) if has_control(v, Strictness::Prose) => {
            Err(invalid(at.to_owned(), Problem::ControlCharacters(field)))
        }
        _ => Ok(()),
    }
}
