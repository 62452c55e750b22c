//! [`define_schema!`]: the diesel table definitions, parameterised by the SQL types of ids and
//! timestamps. Must match `migrations/*/` exactly.

/// Expands to the `table!` definitions; `$id` and `$ts` name SQL types of `diesel::sql_types`.
#[macro_export]
macro_rules! define_schema {
    ($id:ident, $ts:ident) => {
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            realms (id) {
                id -> $id,
                name -> Text,
                display_name -> Nullable<Text>,
                access_token_lifetime -> BigInt,
                refresh_token_lifetime -> BigInt,
                access_token_algorithm -> Text,
                built_in -> Bool,
                created_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            users (id) {
                id -> $id,
                realm_id -> $id,
                name -> Text,
                display_name -> Nullable<Text>,
                first_name -> Nullable<Text>,
                last_name -> Nullable<Text>,
                email -> Nullable<Text>,
                email_verified -> Bool,
                password_hash -> Nullable<Text>,
                active -> Bool,
                created_at -> $ts,
                updated_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            clients (id) {
                id -> $id,
                realm_id -> $id,
                name -> Text,
                display_name -> Nullable<Text>,
                description -> Nullable<Text>,
                active -> Bool,
                secret_hash -> Nullable<Text>,
                grant_types -> Nullable<Text>,
                scope -> Nullable<Text>,
                redirect_uri -> Nullable<Text>,
                first_party -> Bool,
                post_logout_redirect_uri -> Nullable<Text>,
                id_token_signed_response_alg -> Nullable<Text>,
                created_at -> $ts,
                updated_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            scopes (id) {
                id -> $id,
                realm_id -> $id,
                name -> Text,
                description -> Nullable<Text>,
                built_in -> Bool,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            roles (id) {
                id -> $id,
                realm_id -> $id,
                name -> Text,
                description -> Nullable<Text>,
                built_in -> Bool,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            permissions (id) {
                id -> $id,
                name -> Text,
                description -> Nullable<Text>,
                built_in -> Bool,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            role_permissions (id) {
                id -> $id,
                realm_id -> $id,
                role_id -> $id,
                permission_id -> $id,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            user_roles (id) {
                id -> $id,
                realm_id -> $id,
                user_id -> $id,
                role_id -> $id,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            user_permissions (id) {
                id -> $id,
                realm_id -> $id,
                user_id -> $id,
                permission_id -> $id,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            client_permissions (id) {
                id -> $id,
                realm_id -> $id,
                client_id -> $id,
                permission_id -> $id,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            client_scopes (id) {
                id -> $id,
                realm_id -> $id,
                client_id -> $id,
                scope_id -> $id,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            events (id) {
                id -> $id,
                realm_id -> Nullable<$id>,
                name -> Text,
                success -> Bool,
                actor_type -> Nullable<Text>,
                actor_id -> Nullable<Text>,
                target_type -> Nullable<Text>,
                target_id -> Nullable<Text>,
                ip -> Nullable<Text>,
                detail -> Nullable<Text>,
                count -> BigInt,
                created_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            signing_keys (id) {
                id -> $id,
                realm_id -> $id,
                algorithm -> Text,
                status -> Text,
                private_key -> Text,
                public_jwk -> Text,
                created_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            refresh_tokens (id) {
                id -> $id,
                token_hash -> Text,
                family_id -> $id,
                realm_id -> $id,
                client_id -> Nullable<$id>,
                user_id -> Nullable<$id>,
                scope -> Text,
                created_at -> $ts,
                expires_at -> $ts,
                consumed_at -> Nullable<$ts>,
                revoked_at -> Nullable<$ts>,
                auth_time -> Nullable<$ts>,
                session_id -> Nullable<$id>,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            sessions (id) {
                id -> $id,
                token_hash -> Text,
                realm_id -> $id,
                user_id -> $id,
                auth_time -> $ts,
                created_at -> $ts,
                expires_at -> $ts,
                revoked_at -> Nullable<$ts>,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            authorization_codes (id) {
                id -> $id,
                code_hash -> Text,
                realm_id -> $id,
                client_id -> $id,
                user_id -> $id,
                session_id -> Nullable<$id>,
                redirect_uri -> Text,
                scope -> Text,
                code_challenge -> Nullable<Text>,
                code_challenge_method -> Nullable<Text>,
                nonce -> Nullable<Text>,
                auth_time -> $ts,
                family_id -> $id,
                created_at -> $ts,
                expires_at -> $ts,
                consumed_at -> Nullable<$ts>,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            consents (id) {
                id -> $id,
                realm_id -> $id,
                user_id -> $id,
                client_id -> $id,
                scope -> Text,
                created_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            login_failures (key) {
                key -> Text,
                failures -> Integer,
                window_start -> $ts,
                last_failure -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            revoked_tokens (id) {
                id -> Text,
                expires_at -> $ts,
            }
        }
        $crate::__diesel::table! {
            use $crate::__diesel::sql_types::*;
            bootstrap (id) {
                id -> Integer,
                admin_role_id -> Nullable<$id>,
                admin_user_id -> Nullable<$id>,
                completed_at -> Nullable<$ts>,
            }
        }
        $crate::__diesel::allow_tables_to_appear_in_same_query!(
            realms,
            users,
            clients,
            scopes,
            roles,
            permissions,
            role_permissions,
            user_roles,
            signing_keys,
            refresh_tokens,
            sessions,
            authorization_codes,
            consents,
            login_failures,
            revoked_tokens,
            user_permissions,
            client_permissions,
            client_scopes,
            events,
        );
    };
}
