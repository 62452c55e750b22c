//! `/clients`, in Authup's shape: `authMethod` `secret` (confidential) or `none` (public). The
//! server generates a confidential client's secret and returns it once, in the create response
//! (or from `POST /clients/{id}/secret`, which replaces it), unless the create request supplies
//! one (a client moving in from Authup: at least `admin.client_secret_min_length` characters,
//! never echoed); only its hash is stored. Changing
//! another client's secret, `authMethod`, name or `active`, or deleting it, needs every
//! permission it holds (containment); deactivation, deletion, a new secret or another
//! `authMethod` ends the client's grants.

use oauth_core::authority::Subject;
use oauth_core::hash::TokenHash;
use oauth_core::model::{Client, SigningAlgorithm};
use oauth_core::provision::{self, NewClient};
use oauth_core::random::random_token;
use oauth_core::scope::Scope;
use oauth_core::secret::ClientSecret;
use oauth_core::store::GrantHolder;
use oauth_core::store::records::Records;
use oauth_core::{Store, revocation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate;
use crate::admin::{Ctx, Ops, Resource, Saved};
use crate::error::ApiError;
use oauth_core::model::ClientColumn;

/// Grant types a client may be limited to.
pub const GRANT_TYPES: [&str; 4] = [
    "authorization_code",
    "client_credentials",
    "password",
    "refresh_token",
];

/// A client (its secret only in the create and regenerate responses).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    id: Uuid,
    name: String,
    display_name: Option<String>,
    description: Option<String>,
    active: bool,
    realm_id: Uuid,
    /// `secret` (confidential) or `none` (public).
    auth_method: &'static str,
    /// Comma-separated.
    redirect_uri: Option<String>,
    /// Comma-separated.
    post_logout_redirect_uri: Option<String>,
    /// Space-separated; `null` allows every grant type.
    grant_types: Option<String>,
    /// Space-separated; `null` allows every scope of the realm.
    scope: Option<String>,
    first_party: bool,
    /// `RS256` (default) or `ES256`.
    id_token_signed_response_alg: Option<&'static str>,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    updated_at: i64,
}

/// A client to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientCreate {
    name: String,
    display_name: Option<String>,
    description: Option<String>,
    active: Option<bool>,
    /// `secret` (default) or `none`.
    auth_method: Option<String>,
    redirect_uri: Option<String>,
    post_logout_redirect_uri: Option<String>,
    grant_types: Option<String>,
    scope: Option<String>,
    first_party: Option<bool>,
    id_token_signed_response_alg: Option<String>,
    realm_id: Option<Uuid>,
    /// Write-only: a confidential client's secret, for clients moving in with theirs (at least
    /// `admin.client_secret_min_length` characters; stored hashed, never echoed). Omitted: one
    /// is generated and returned in this response only.
    #[schema(value_type = Option<String>, format = Password)]
    secret: Option<ClientSecret>,
}

/// Changes to a client; `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientUpdate {
    name: Option<String>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    active: Option<bool>,
    /// Switching to `secret` generates a secret, returned in this response only.
    auth_method: Option<String>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    redirect_uri: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    post_logout_redirect_uri: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    grant_types: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    scope: Option<Option<String>>,
    first_party: Option<bool>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    id_token_signed_response_alg: Option<Option<String>>,
}

fn public(auth_method: Option<&str>) -> Result<Option<bool>, ApiError> {
    match auth_method {
        None => Ok(None),
        Some("secret") => Ok(Some(false)),
        Some("none") => Ok(Some(true)),
        Some(_) => Err(ApiError::invalid("authMethod", "must be secret or none")),
    }
}

/// A secret supplied on create: confidential clients only, long enough, printable.
fn check_secret(ctx: &Ctx<'_>, public: bool, secret: &ClientSecret) -> Result<(), ApiError> {
    if public {
        return Err(ApiError::invalid(
            "secret",
            "a public client (authMethod none) has no secret",
        ));
    }
    validate::secret("secret", secret.secret(), ctx.client_secret_min_length)
}

fn redirect_uris(field: &str, list: Option<&str>) -> Result<(), ApiError> {
    validate::text(field, list, validate::MAX_TEXT_CHARS)?;
    for uri in oauth_core::redirect::registered(list) {
        oauth_core::redirect::validate(uri)
            .map_err(|e| ApiError::invalid(field, e.description.into_owned()))?;
    }
    Ok(())
}

fn grant_types(list: Option<&str>) -> Result<(), ApiError> {
    for grant in list.unwrap_or_default().split_ascii_whitespace() {
        if !GRANT_TYPES.contains(&grant) {
            return Err(ApiError::invalid(
                "grantTypes",
                format!("{grant:?} is not one of {}", GRANT_TYPES.join(", ")),
            ));
        }
    }
    Ok(())
}

fn scope(list: Option<&str>) -> Result<(), ApiError> {
    if let Some(list) = list {
        Scope::parse(list).map_err(|e| ApiError::invalid("scope", e.description.into_owned()))?;
    }
    Ok(())
}

/// The scope records a `scope` field asks for: `None` when the field is absent, all of the
/// realm's for `null` (or absent at creation), else the listed ones (unknown names: `400`).
fn client_scopes(
    ctx: &Ctx<'_>,
    realm_id: Uuid,
    field: Option<Option<&str>>,
) -> Result<Option<Vec<oauth_core::model::ScopeRecord>>, ApiError> {
    let Some(value) = field else {
        return Ok(None);
    };
    scope(value)?;
    let wanted = value
        .map(Scope::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("scope", e.description.into_owned()))?;
    oauth_core::client_scopes::resolve(ctx.store, realm_id, wanted.as_ref())
        .map(Some)
        .map_err(|e| match e {
            oauth_core::Error::OAuth(e) => ApiError::invalid("scope", e.description.into_owned()),
            other => ApiError::admin(other),
        })
}

fn id_token_alg(alg: Option<&str>) -> Result<Option<SigningAlgorithm>, ApiError> {
    alg.map(|a| {
        SigningAlgorithm::parse(a)
            .ok_or_else(|| ApiError::invalid("idTokenSignedResponseAlg", "must be RS256 or ES256"))
    })
    .transpose()
}

/// The `/clients` resource.
pub struct Clients;

impl Resource for Clients {
    type Model = Client;
    type View = ClientView;
    type Create = ClientCreate;
    type Update = ClientUpdate;
    const PATH: &'static str = "clients";
    const ENTITY: &'static str = "client";
    const REALM_COLUMN: Option<ClientColumn> = Some(ClientColumn::RealmId);
    const OPS: Ops = Ops {
        create: true,
        update: true,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<Client> {
        store
    }
    fn realm_of(model: &Client) -> Option<Uuid> {
        Some(model.realm_id)
    }
    fn view(c: &Client) -> ClientView {
        ClientView {
            id: c.id,
            name: c.name.clone(),
            display_name: c.display_name.clone(),
            description: c.description.clone(),
            active: c.active,
            realm_id: c.realm_id,
            auth_method: if c.is_confidential() {
                "secret"
            } else {
                "none"
            },
            redirect_uri: c.redirect_uri.clone(),
            post_logout_redirect_uri: c.post_logout_redirect_uri.clone(),
            grant_types: c.grant_types.clone(),
            scope: c.scope.clone(),
            first_party: c.first_party,
            id_token_signed_response_alg: c.id_token_signed_response_alg.map(|a| a.as_str()),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
    fn by_name(store: &dyn Store, realm_id: Uuid, name: &str) -> Result<Option<Client>, ApiError> {
        store
            .find_client_by_name(realm_id, name)
            .map_err(ApiError::admin_store)
    }

    fn create(ctx: &mut Ctx<'_>, body: ClientCreate) -> Result<Saved<Client>, ApiError> {
        let realm = ctx.target_realm(body.realm_id, Self::ENTITY)?;
        validate::name("name", &body.name)?;
        validate::text(
            "displayName",
            body.display_name.as_deref(),
            validate::MAX_NAME_CHARS,
        )?;
        validate::text(
            "description",
            body.description.as_deref(),
            validate::MAX_TEXT_CHARS,
        )?;
        redirect_uris("redirectUri", body.redirect_uri.as_deref())?;
        redirect_uris(
            "postLogoutRedirectUri",
            body.post_logout_redirect_uri.as_deref(),
        )?;
        grant_types(body.grant_types.as_deref())?;
        let scopes = client_scopes(ctx, realm.id, Some(body.scope.as_deref()))?;
        let new = NewClient {
            name: body.name,
            public: public(body.auth_method.as_deref())?.unwrap_or(false),
            grant_types: body.grant_types,
            scope: body.scope,
            redirect_uri: body.redirect_uri,
            post_logout_redirect_uri: body.post_logout_redirect_uri,
            id_token_signed_response_alg: id_token_alg(
                body.id_token_signed_response_alg.as_deref(),
            )?,
            first_party: body.first_party.unwrap_or(false),
        };
        if new.first_party {
            ctx.principal
                .require_full_administrator("registering a first-party client")?;
        }
        if let Some(supplied) = &body.secret {
            check_secret(ctx, new.public, supplied)?;
        }
        let (mut client, mut secret) =
            provision::new_client(&realm, new, ctx.now, &mut ctx.rng).map_err(ApiError::admin)?;
        if let Some(supplied) = &body.secret {
            client.secret_hash = Some(TokenHash::of(supplied.secret()));
            secret = None;
        }
        client.display_name = body.display_name;
        client.description = body.description;
        client.active = body.active.unwrap_or(true);
        ctx.store
            .create_client(&client)
            .map_err(ApiError::admin_store)?;
        if let Some(scopes) = scopes {
            oauth_core::client_scopes::assign(ctx.store, &mut client, &scopes, &mut ctx.rng)
                .map_err(ApiError::admin)?;
        }
        Ok(Saved {
            model: client,
            secret: secret.map(oauth_core::secret::ClientSecret::into_secret),
        })
    }

    fn update(
        ctx: &mut Ctx<'_>,
        mut client: Client,
        body: ClientUpdate,
    ) -> Result<Saved<Client>, ApiError> {
        let to_public = public(body.auth_method.as_deref())?;
        let old_grant = revocation::client_grant_id(&client);
        let renamed = body.name.as_ref().is_some_and(|n| *n != client.name);
        let activation = body.active.is_some_and(|a| a != client.active);
        let method_changed = to_public.is_some_and(|p| p == client.is_confidential());
        if renamed || activation || method_changed {
            ctx.principal
                .contain(ctx.store, Subject::Client(client.id))?;
        }
        let ends_grants = (body.active == Some(false) && client.active) || method_changed;
        // A first-party client skips consent and may carry `global`: making one, or changing where
        // one sends codes or what it may ask for, needs a full administrator.
        let becomes_first_party = body.first_party == Some(true) && !client.first_party;
        let steers_first_party = client.first_party
            && (body.redirect_uri.is_some() || body.scope.is_some() || body.grant_types.is_some());
        if becomes_first_party || steers_first_party {
            ctx.principal
                .require_full_administrator("making or changing a first-party client")?;
        }
        if let Some(name) = &body.name {
            validate::name("name", name)?;
            client.name.clone_from(name);
        }
        let inner =
            |v: &Option<Option<String>>| v.as_ref().and_then(|v| v.as_deref()).map(str::to_owned);
        validate::text(
            "displayName",
            inner(&body.display_name).as_deref(),
            validate::MAX_NAME_CHARS,
        )?;
        validate::text(
            "description",
            inner(&body.description).as_deref(),
            validate::MAX_TEXT_CHARS,
        )?;
        redirect_uris("redirectUri", inner(&body.redirect_uri).as_deref())?;
        redirect_uris(
            "postLogoutRedirectUri",
            inner(&body.post_logout_redirect_uri).as_deref(),
        )?;
        grant_types(inner(&body.grant_types).as_deref())?;
        let scopes = client_scopes(
            ctx,
            client.realm_id,
            body.scope.as_ref().map(|v| v.as_deref()),
        )?;
        let alg = id_token_alg(inner(&body.id_token_signed_response_alg).as_deref())?;
        validate::apply(&mut client.display_name, body.display_name);
        validate::apply(&mut client.description, body.description);
        validate::apply(&mut client.redirect_uri, body.redirect_uri);
        validate::apply(
            &mut client.post_logout_redirect_uri,
            body.post_logout_redirect_uri,
        );
        validate::apply(&mut client.grant_types, body.grant_types);
        if body.id_token_signed_response_alg.is_some() {
            client.id_token_signed_response_alg = alg;
        }
        if let Some(active) = body.active {
            client.active = active;
        }
        if let Some(first_party) = body.first_party {
            client.first_party = first_party;
        }
        let mut secret = None;
        match to_public {
            Some(true) => client.secret_hash = None,
            Some(false) if !client.is_confidential() => {
                let value = random_token(&mut ctx.rng);
                client.secret_hash = Some(TokenHash::of(&value));
                secret = Some(value);
            }
            _ => {}
        }
        client.updated_at = ctx.now;
        Self::records(ctx.store)
            .update_record(&client)
            .map_err(ApiError::admin_store)?;
        if let Some(scopes) = scopes {
            oauth_core::client_scopes::assign(ctx.store, &mut client, &scopes, &mut ctx.rng)
                .map_err(ApiError::admin)?;
        }
        if ends_grants {
            end_grants(ctx, &client)?;
        }
        if method_changed {
            revoke_secret_grant(ctx, old_grant)?;
        }
        Ok(Saved {
            model: client,
            secret,
        })
    }

    fn delete(ctx: &mut Ctx<'_>, client: &Client) -> Result<(), ApiError> {
        ctx.principal
            .contain(ctx.store, Subject::Client(client.id))?;
        end_grants(ctx, client)?;
        Self::records(ctx.store)
            .delete_record(client.id)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}

/// Revokes the client_credentials tokens the old secret obtained (their `fid`).
pub(super) fn revoke_secret_grant(ctx: &Ctx<'_>, grant: Option<Uuid>) -> Result<(), ApiError> {
    if let Some(grant) = grant {
        let until = ctx.now + provision::MAX_ACCESS_TOKEN_LIFETIME;
        ctx.store
            .revoke_token_id(&grant.to_string(), until)
            .map_err(ApiError::admin_store)?;
    }
    Ok(())
}

/// Revokes every grant issued to `client` (refresh families and, through `fid`, their access
/// tokens): when it is deactivated, deleted, changes authentication method or gets a new secret.
pub(super) fn end_grants(ctx: &Ctx<'_>, client: &Client) -> Result<(), ApiError> {
    let realm = ctx
        .store
        .find_realm(client.realm_id)
        .map_err(ApiError::admin_store)?
        .ok_or_else(|| ApiError::NoRecord("the client's realm is gone".into()))?;
    revocation::revoke_grants(ctx.store, &realm, GrantHolder::Client(client.id), ctx.now)
        .map_err(ApiError::from)?;
    Ok(())
}
