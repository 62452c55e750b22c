//! `/keys`: a realm's signing keys. Creating one generates an ES256 or RS256 pair; it starts
//! `passive` (published in the JWKS, not signing) unless asked otherwise, so clients can fetch it
//! before it signs. A realm always keeps an active key of each algorithm: disabling or deleting
//! the last one is refused. Private keys have no field in any view.

use oauth_core::Store;
use oauth_core::keys::generate_signing_key;
use oauth_core::model::{KeyStatus, SigningAlgorithm, SigningKey};
use oauth_core::store::records::Records;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin::{Ctx, Ops, Resource, Saved};
use crate::error::ApiError;
use oauth_core::model::KeyColumn;

/// A signing key's public part.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    id: Uuid,
    realm_id: Uuid,
    /// `ES256` or `RS256`.
    algorithm: &'static str,
    /// `active`, `passive` or `disabled`.
    status: &'static str,
    /// The public JWK.
    #[schema(value_type = Object)]
    public_jwk: serde_json::Value,
    /// Unix seconds.
    created_at: i64,
}

/// A key to generate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyCreate {
    /// `ES256` or `RS256`.
    algorithm: String,
    /// `passive` (default), `active` or `disabled`.
    status: Option<String>,
    realm_id: Option<Uuid>,
}

/// A key's new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyUpdate {
    /// `active`, `passive` or `disabled`.
    status: String,
}

fn status(value: &str) -> Result<KeyStatus, ApiError> {
    KeyStatus::parse(value)
        .ok_or_else(|| ApiError::invalid("status", "must be active, passive or disabled"))
}

/// Refuses to leave `key`'s realm without an active key of its algorithm.
fn keep_one_active(ctx: &Ctx<'_>, key: &SigningKey, field: &str) -> Result<(), ApiError> {
    if key.status != KeyStatus::Active {
        return Ok(());
    }
    let keys = ctx
        .store
        .list_signing_keys(Some(key.realm_id))
        .map_err(ApiError::admin_store)?;
    let others = keys
        .iter()
        .any(|k| k.id != key.id && k.algorithm == key.algorithm && k.status == KeyStatus::Active);
    if others {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!(
                "this is the realm's only active {} key; activate another first",
                key.algorithm.as_str()
            ),
        ))
    }
}

/// The `/keys` resource.
pub struct Keys;

impl Resource for Keys {
    type Model = SigningKey;
    type View = KeyView;
    type Create = KeyCreate;
    type Update = KeyUpdate;
    const PATH: &'static str = "keys";
    const ENTITY: &'static str = "key";
    const REALM_COLUMN: Option<KeyColumn> = Some(KeyColumn::RealmId);
    const OPS: Ops = Ops {
        create: true,
        update: true,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<SigningKey> {
        store
    }
    fn realm_of(model: &SigningKey) -> Option<Uuid> {
        Some(model.realm_id)
    }
    fn view(k: &SigningKey) -> KeyView {
        KeyView {
            id: k.id,
            realm_id: k.realm_id,
            algorithm: k.algorithm.as_str(),
            status: k.status.as_str(),
            public_jwk: serde_json::from_str(&k.public_jwk).unwrap_or_default(),
            created_at: k.created_at,
        }
    }

    fn create(ctx: &mut Ctx<'_>, body: KeyCreate) -> Result<Saved<SigningKey>, ApiError> {
        let realm = ctx.target_realm(body.realm_id, Self::ENTITY)?;
        let algorithm = SigningAlgorithm::parse(&body.algorithm)
            .ok_or_else(|| ApiError::invalid("algorithm", "must be ES256 or RS256"))?;
        let status = status(body.status.as_deref().unwrap_or("passive"))?;
        let key = generate_signing_key(realm.id, algorithm, status, ctx.now, &mut ctx.rng)
            .map_err(ApiError::from)?;
        // Through `KeyStore`, which seals the private key (records carry it as stored).
        ctx.store
            .create_signing_key(&key)
            .map_err(ApiError::admin_store)?;
        Ok(Saved::plain(key))
    }

    fn update(
        ctx: &mut Ctx<'_>,
        mut key: SigningKey,
        body: KeyUpdate,
    ) -> Result<Saved<SigningKey>, ApiError> {
        let new = status(&body.status)?;
        if new != KeyStatus::Active {
            keep_one_active(ctx, &key, "status")?;
        }
        key.status = new;
        Self::records(ctx.store)
            .update_record(&key)
            .map_err(ApiError::admin_store)?;
        Ok(Saved::plain(key))
    }

    fn delete(ctx: &mut Ctx<'_>, key: &SigningKey) -> Result<(), ApiError> {
        keep_one_active(ctx, key, "id")?;
        Self::records(ctx.store)
            .delete_record(key.id)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}
