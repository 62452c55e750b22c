//! `/users`: people of a realm. `password` is write-only (hashed with Argon2id on the blocking
//! pool under a hashing permit, at least the configured length); `/users/@me` lets any user read
//! and update themselves (but not their own `active` flag; their own password only with
//! `currentPassword`). Changing another user's password, name or `active`, or deleting them,
//! needs every permission they hold (containment); a password change, deactivation or deletion
//! ends the user's grants and sessions.

use oauth_core::authority::{Refusal, Subject};
use oauth_core::model::User;
use oauth_core::provision::{self, NewUser};
use oauth_core::secret::Password;
use oauth_core::store::GrantHolder;
use oauth_core::store::records::Records;
use oauth_core::{Store, revocation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate;
use crate::admin::openapi::Document;
use crate::admin::{
    Call, Ctx, Ops, Principal, PrincipalKind, Resource, Saved, authorize, blocking, no_store,
    resolve, view_json,
};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::model::UserColumn;

/// A user (never with a password or its hash).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: Uuid,
    name: String,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    email_verified: bool,
    active: bool,
    realm_id: Uuid,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    updated_at: i64,
}

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserCreate {
    name: String,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    active: Option<bool>,
    /// Write-only; at least the configured length (default 10).
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<Password>,
    realm_id: Option<Uuid>,
}

/// Changes to a user; `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserUpdate {
    name: Option<String>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    email_verified: Option<bool>,
    active: Option<bool>,
    /// Write-only; `null` removes password login.
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<Option<Password>>,
    /// Write-only; required when a user changes their own password.
    #[serde(alias = "current_password")]
    #[schema(value_type = Option<String>, format = Password)]
    current_password: Option<Password>,
}

fn check_password(ctx: &Ctx<'_>, password: &Password) -> Result<(), ApiError> {
    let chars = password.secret().chars().count();
    if chars < ctx.password_min_length {
        return Err(ApiError::invalid(
            "password",
            format!("must be at least {} characters", ctx.password_min_length),
        ));
    }
    if password.secret().len() > oauth_core::password::MAX_PASSWORD_BYTES {
        return Err(ApiError::invalid(
            "password",
            format!(
                "must be at most {} bytes",
                oauth_core::password::MAX_PASSWORD_BYTES
            ),
        ));
    }
    Ok(())
}

fn check_texts(
    display_name: Option<&str>,
    first_name: Option<&str>,
    last_name: Option<&str>,
    email: Option<&str>,
) -> Result<(), ApiError> {
    validate::text("displayName", display_name, validate::MAX_NAME_CHARS)?;
    validate::text("firstName", first_name, validate::MAX_NAME_CHARS)?;
    validate::text("lastName", last_name, validate::MAX_NAME_CHARS)?;
    validate::email("email", email)
}

/// The `/users` resource.
pub struct Users;

impl Resource for Users {
    type Model = User;
    type View = UserView;
    type Create = UserCreate;
    type Update = UserUpdate;
    const PATH: &'static str = "users";
    const ENTITY: &'static str = "user";
    const REALM_COLUMN: Option<UserColumn> = Some(UserColumn::RealmId);
    const OPS: Ops = Ops {
        create: true,
        update: true,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<User> {
        store
    }
    fn realm_of(model: &User) -> Option<Uuid> {
        Some(model.realm_id)
    }
    fn view(u: &User) -> UserView {
        UserView {
            id: u.id,
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            active: u.active,
            realm_id: u.realm_id,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
    fn by_name(store: &dyn Store, realm_id: Uuid, name: &str) -> Result<Option<User>, ApiError> {
        store
            .find_user_by_name(realm_id, name)
            .map_err(ApiError::admin_store)
    }
    const HASHES: bool = true;

    fn is_self(principal: &Principal, model: &User) -> bool {
        principal.kind == PrincipalKind::User && principal.id == model.id
    }

    fn create(ctx: &mut Ctx<'_>, body: UserCreate) -> Result<Saved<User>, ApiError> {
        let realm = ctx.target_realm(body.realm_id, Self::ENTITY)?;
        validate::name("name", &body.name)?;
        check_texts(
            body.display_name.as_deref(),
            body.first_name.as_deref(),
            body.last_name.as_deref(),
            body.email.as_deref(),
        )?;
        if let Some(password) = &body.password {
            check_password(ctx, password)?;
        }
        let new = NewUser {
            name: body.name,
            email: body.email,
            password: body.password,
        };
        let mut user =
            provision::new_user(&ctx.settings.hasher, &realm, new, ctx.now, &mut ctx.rng)
                .map_err(ApiError::admin)?;
        user.display_name = body.display_name;
        user.first_name = body.first_name;
        user.last_name = body.last_name;
        user.email_verified = body.email_verified.unwrap_or(false);
        user.active = body.active.unwrap_or(true);
        ctx.store
            .create_user(&user)
            .map_err(ApiError::admin_store)?;
        Ok(Saved::plain(user))
    }

    fn update(
        ctx: &mut Ctx<'_>,
        mut user: User,
        body: UserUpdate,
    ) -> Result<Saved<User>, ApiError> {
        let admin = ctx.principal.may("user_update", Some(user.realm_id));
        if !admin && (body.active.is_some() || body.email_verified.is_some()) {
            return Err(ApiError::Forbidden(
                "permission user_update is required to change active or emailVerified".into(),
            ));
        }
        let own = Self::is_self(&ctx.principal, &user);
        let renamed = body.name.as_ref().is_some_and(|n| *n != user.name);
        let deactivated = body.active == Some(false) && user.active;
        let activation = body.active.is_some_and(|a| a != user.active);
        // The e-mail address is a recovery and account-linking credential too.
        let email_changed = body.email.is_some() || body.email_verified.is_some();
        if !own && (body.password.is_some() || renamed || activation || email_changed) {
            ctx.principal.contain(ctx.store, Subject::User(user.id))?;
        }
        if own && body.password.is_some() {
            let current = body
                .current_password
                .as_ref()
                .ok_or(Refusal::CurrentPasswordRequired)?;
            if !ctx
                .settings
                .hasher
                .verify_or_dummy(current, user.password_hash.as_ref())
            {
                return Err(Refusal::CurrentPasswordWrong.into());
            }
        }
        if let Some(name) = &body.name {
            validate::name("name", name)?;
            user.name.clone_from(name);
        }
        check_texts(
            body.display_name.as_ref().and_then(|v| v.as_deref()),
            body.first_name.as_ref().and_then(|v| v.as_deref()),
            body.last_name.as_ref().and_then(|v| v.as_deref()),
            body.email.as_ref().and_then(|v| v.as_deref()),
        )?;
        if body.email.is_some() {
            user.email_verified = false;
        }
        validate::apply(&mut user.display_name, body.display_name);
        validate::apply(&mut user.first_name, body.first_name);
        validate::apply(&mut user.last_name, body.last_name);
        validate::apply(&mut user.email, body.email);
        if let Some(verified) = body.email_verified {
            user.email_verified = verified;
        }
        if let Some(active) = body.active {
            user.active = active;
        }
        let password_changed = body.password.is_some();
        match body.password {
            None => {}
            Some(None) => user.password_hash = None,
            Some(Some(password)) => {
                check_password(ctx, &password)?;
                let hash = ctx
                    .settings
                    .hasher
                    .hash(&password, &mut ctx.rng)
                    .map_err(ApiError::from)?;
                user.password_hash = Some(hash);
            }
        }
        user.updated_at = ctx.now;
        Self::records(ctx.store)
            .update_record(&user)
            .map_err(ApiError::admin_store)?;
        if password_changed || deactivated {
            // A changed credential or a deactivation ends every grant and session of the user.
            end_grants(ctx, &user)?;
        }
        Ok(Saved::plain(user))
    }

    fn delete(ctx: &mut Ctx<'_>, user: &User) -> Result<(), ApiError> {
        ctx.principal.contain(ctx.store, Subject::User(user.id))?;
        end_grants(ctx, user)?;
        Self::records(ctx.store)
            .delete_record(user.id)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}

/// `POST /users/{id}/revoke-grants`: ends every grant and session of a user (a lost device, a
/// suspected theft); needs `user_update` and, for another user, containment.
async fn revoke_grants_route(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let body = blocking(move || {
        let ctx = call.ctx()?;
        let user = resolve::<Users>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<Users>(&ctx, "update", &user)?;
        if !Users::is_self(&ctx.principal, &user) {
            ctx.principal.contain(ctx.store, Subject::User(user.id))?;
        }
        end_grants(&ctx, &user)?;
        call.audit::<Users>(&ctx, "update", &user);
        view_json::<Users>(&Saved::plain(user))
    })
    .await?;
    Ok(no_store(
        HttpResponse::Accepted().json(serde_json::json!({ "data": body })),
    ))
}

/// Registers `POST /users/{id}/revoke-grants` (and its realm alias).
pub fn register_revoke_route(cfg: &mut web::ServiceConfig) {
    for path in [
        "/users/{id}/revoke-grants",
        "/realms/{realm}/users/{id}/revoke-grants",
    ] {
        cfg.service(crate::cors::admin(
            web::resource(path)
                .route(web::post().to(revoke_grants_route))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(ApiError::MethodNotAllowed("POST"))
                })),
        ));
    }
}

/// Documents `POST /users/{id}/revoke-grants`.
pub fn document_revoke_route(doc: &mut Document) {
    doc.action::<Users>(
        "/users/{id}/revoke-grants",
        "End every grant (refresh and access tokens) and login session of a user",
    );
}

/// Revokes every grant (refresh families and, through `fid`, their access tokens) and session
/// of `user`.
fn end_grants(ctx: &Ctx<'_>, user: &User) -> Result<(), ApiError> {
    let realm = ctx
        .store
        .find_realm(user.realm_id)
        .map_err(ApiError::admin_store)?
        .ok_or_else(|| ApiError::NoRecord("the user's realm is gone".into()))?;
    revocation::revoke_grants(ctx.store, &realm, GrantHolder::User(user.id), ctx.now)
        .map_err(ApiError::from)?;
    Ok(())
}
