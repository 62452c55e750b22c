//! `/realms`: creating one provisions its keys, built-in scopes and `realm_admin` role in one
//! transaction; deleting one removes everything in it. Creating and deleting realms needs a
//! global (master-realm) principal; the master realm cannot be deleted and names never change
//! (they are part of the issuer URL).

use oauth_core::Store;
use oauth_core::model::{Realm, SigningAlgorithm};
use oauth_core::provision::{self, NewRealm};
use oauth_core::store::records::Records;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate;
use crate::admin::{Ctx, Ops, Resource, Saved};
use crate::error::ApiError;
use oauth_core::model::RealmColumn;

/// A realm.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RealmView {
    id: Uuid,
    name: String,
    display_name: Option<String>,
    access_token_lifetime: i64,
    refresh_token_lifetime: i64,
    /// `ES256` or `RS256`.
    access_token_algorithm: &'static str,
    built_in: bool,
    /// Unix seconds.
    created_at: i64,
}

/// A realm to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RealmCreate {
    /// ASCII letters, digits, `-`, `_`, `.`; part of URLs.
    name: String,
    display_name: Option<String>,
    /// Seconds, 60 to 86400 (default 3600).
    access_token_lifetime: Option<i64>,
    /// Seconds, 60 to 31536000 (default 259200).
    refresh_token_lifetime: Option<i64>,
    /// `ES256` (default) or `RS256`.
    access_token_algorithm: Option<String>,
}

/// Changes to a realm.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RealmUpdate {
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    access_token_lifetime: Option<i64>,
    refresh_token_lifetime: Option<i64>,
    access_token_algorithm: Option<String>,
}

fn lifetime(field: &str, value: Option<i64>, max: i64) -> Result<Option<i64>, ApiError> {
    match value {
        Some(v) if !(60..=max).contains(&v) => Err(ApiError::invalid(
            field,
            format!("must be from 60 to {max} seconds"),
        )),
        other => Ok(other),
    }
}

fn algorithm(value: Option<&str>) -> Result<Option<SigningAlgorithm>, ApiError> {
    value
        .map(|alg| {
            SigningAlgorithm::parse(alg)
                .ok_or_else(|| ApiError::invalid("accessTokenAlgorithm", "must be ES256 or RS256"))
        })
        .transpose()
}

/// The `/realms` resource.
pub struct Realms;

impl Resource for Realms {
    type Model = Realm;
    type View = RealmView;
    type Create = RealmCreate;
    type Update = RealmUpdate;
    const PATH: &'static str = "realms";
    const ENTITY: &'static str = "realm";
    const REALM_COLUMN: Option<RealmColumn> = Some(RealmColumn::Id);
    const OPS: Ops = Ops {
        create: true,
        update: true,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<Realm> {
        store
    }
    fn realm_of(model: &Realm) -> Option<Uuid> {
        Some(model.id)
    }
    fn view(r: &Realm) -> RealmView {
        RealmView {
            id: r.id,
            name: r.name.clone(),
            display_name: r.display_name.clone(),
            access_token_lifetime: r.access_token_lifetime,
            refresh_token_lifetime: r.refresh_token_lifetime,
            access_token_algorithm: r.access_token_algorithm.as_str(),
            built_in: r.built_in,
            created_at: r.created_at,
        }
    }
    fn by_name(store: &dyn Store, _realm_id: Uuid, name: &str) -> Result<Option<Realm>, ApiError> {
        store
            .find_realm_by_name(name)
            .map_err(ApiError::admin_store)
    }

    fn create(ctx: &mut Ctx<'_>, body: RealmCreate) -> Result<Saved<Realm>, ApiError> {
        ctx.principal.require("realm_create", None)?;
        provision::validate_realm_name(&body.name)
            .map_err(|e| ApiError::invalid("name", ApiError::admin(e).to_string()))?;
        validate::text(
            "displayName",
            body.display_name.as_deref(),
            validate::MAX_NAME_CHARS,
        )?;
        let mut new = NewRealm::named(
            body.name,
            algorithm(body.access_token_algorithm.as_deref())?.unwrap_or(SigningAlgorithm::Es256),
        );
        new.display_name = body.display_name;
        if let Some(v) = lifetime(
            "accessTokenLifetime",
            body.access_token_lifetime,
            provision::MAX_ACCESS_TOKEN_LIFETIME,
        )? {
            new.access_token_lifetime = v;
        }
        if let Some(v) = lifetime(
            "refreshTokenLifetime",
            body.refresh_token_lifetime,
            31_536_000,
        )? {
            new.refresh_token_lifetime = v;
        }
        let realm = provision::create_realm(ctx.store, new, ctx.now, &mut ctx.rng)
            .map_err(ApiError::admin)?;
        Ok(Saved::plain(realm))
    }

    fn update(
        ctx: &mut Ctx<'_>,
        mut realm: Realm,
        body: RealmUpdate,
    ) -> Result<Saved<Realm>, ApiError> {
        if let Some(Some(name)) = &body.display_name {
            validate::text("displayName", Some(name), validate::MAX_NAME_CHARS)?;
        }
        validate::apply(&mut realm.display_name, body.display_name);
        if let Some(v) = lifetime(
            "accessTokenLifetime",
            body.access_token_lifetime,
            provision::MAX_ACCESS_TOKEN_LIFETIME,
        )? {
            realm.access_token_lifetime = v;
        }
        if let Some(v) = lifetime(
            "refreshTokenLifetime",
            body.refresh_token_lifetime,
            31_536_000,
        )? {
            realm.refresh_token_lifetime = v;
        }
        if let Some(alg) = algorithm(body.access_token_algorithm.as_deref())? {
            realm.access_token_algorithm = alg;
        }
        Self::records(ctx.store)
            .update_record(&realm)
            .map_err(ApiError::admin_store)?;
        Ok(Saved::plain(realm))
    }

    fn delete(ctx: &mut Ctx<'_>, realm: &Realm) -> Result<(), ApiError> {
        ctx.principal.require("realm_delete", None)?;
        if realm.built_in {
            return Err(ApiError::invalid(
                "id",
                "the master realm cannot be deleted",
            ));
        }
        Self::records(ctx.store)
            .delete_record(realm.id)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}
