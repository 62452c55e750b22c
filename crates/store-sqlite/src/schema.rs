// @generated automatically by Diesel CLI.

diesel::table! {
    authorization_codes (id) {
        id -> Text,
        code_hash -> Text,
        realm_id -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        redirect_uri -> Text,
        scope -> Text,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        nonce -> Nullable<Text>,
        auth_time -> TimestamptzSqlite,
        family_id -> Text,
        created_at -> TimestamptzSqlite,
        expires_at -> TimestamptzSqlite,
        consumed_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    bootstrap (id) {
        id -> Integer,
        admin_role_id -> Nullable<Text>,
        admin_user_id -> Nullable<Text>,
        completed_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    client_permissions (id) {
        id -> Text,
        realm_id -> Text,
        client_id -> Text,
        permission_id -> Text,
    }
}

diesel::table! {
    client_scopes (id) {
        id -> Text,
        realm_id -> Text,
        client_id -> Text,
        scope_id -> Text,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        realm_id -> Text,
        name -> Text,
        display_name -> Nullable<Text>,
        description -> Nullable<Text>,
        active -> Bool,
        secret_hash -> Nullable<Text>,
        grant_types -> Nullable<Text>,
        scope -> Nullable<Text>,
        redirect_uri -> Nullable<Text>,
        first_party -> Bool,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
        post_logout_redirect_uri -> Nullable<Text>,
        id_token_signed_response_alg -> Nullable<Text>,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        realm_id -> Text,
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        realm_id -> Nullable<Text>,
        name -> Text,
        success -> Bool,
        actor_type -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
        count -> BigInt,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    login_failures (key) {
        key -> Text,
        failures -> Integer,
        window_start -> TimestamptzSqlite,
        last_failure -> TimestamptzSqlite,
    }
}

diesel::table! {
    permissions (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    realms (id) {
        id -> Text,
        name -> Text,
        display_name -> Nullable<Text>,
        access_token_lifetime -> BigInt,
        refresh_token_lifetime -> BigInt,
        access_token_algorithm -> Text,
        built_in -> Bool,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        token_hash -> Text,
        family_id -> Text,
        realm_id -> Text,
        client_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        scope -> Text,
        created_at -> TimestamptzSqlite,
        expires_at -> TimestamptzSqlite,
        consumed_at -> Nullable<TimestamptzSqlite>,
        revoked_at -> Nullable<TimestamptzSqlite>,
        auth_time -> Nullable<TimestamptzSqlite>,
        session_id -> Nullable<Text>,
    }
}

diesel::table! {
    revoked_tokens (id) {
        id -> Text,
        expires_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    role_permissions (id) {
        id -> Text,
        realm_id -> Text,
        role_id -> Text,
        permission_id -> Text,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        realm_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    scopes (id) {
        id -> Text,
        realm_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        realm_id -> Text,
        user_id -> Text,
        auth_time -> TimestamptzSqlite,
        created_at -> TimestamptzSqlite,
        expires_at -> TimestamptzSqlite,
        revoked_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        realm_id -> Text,
        algorithm -> Text,
        status -> Text,
        private_key -> Text,
        public_jwk -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    user_permissions (id) {
        id -> Text,
        realm_id -> Text,
        user_id -> Text,
        permission_id -> Text,
    }
}

diesel::table! {
    user_roles (id) {
        id -> Text,
        realm_id -> Text,
        user_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        realm_id -> Text,
        name -> Text,
        display_name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        email -> Nullable<Text>,
        email_verified -> Bool,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::joinable!(authorization_codes -> clients (client_id));
diesel::joinable!(authorization_codes -> realms (realm_id));
diesel::joinable!(authorization_codes -> sessions (session_id));
diesel::joinable!(authorization_codes -> users (user_id));
diesel::joinable!(bootstrap -> roles (admin_role_id));
diesel::joinable!(bootstrap -> users (admin_user_id));
diesel::joinable!(client_permissions -> clients (client_id));
diesel::joinable!(client_permissions -> permissions (permission_id));
diesel::joinable!(client_permissions -> realms (realm_id));
diesel::joinable!(client_scopes -> clients (client_id));
diesel::joinable!(client_scopes -> realms (realm_id));
diesel::joinable!(client_scopes -> scopes (scope_id));
diesel::joinable!(clients -> realms (realm_id));
diesel::joinable!(consents -> clients (client_id));
diesel::joinable!(consents -> realms (realm_id));
diesel::joinable!(consents -> users (user_id));
diesel::joinable!(refresh_tokens -> clients (client_id));
diesel::joinable!(refresh_tokens -> realms (realm_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(role_permissions -> permissions (permission_id));
diesel::joinable!(role_permissions -> realms (realm_id));
diesel::joinable!(role_permissions -> roles (role_id));
diesel::joinable!(roles -> realms (realm_id));
diesel::joinable!(scopes -> realms (realm_id));
diesel::joinable!(sessions -> realms (realm_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(signing_keys -> realms (realm_id));
diesel::joinable!(user_permissions -> permissions (permission_id));
diesel::joinable!(user_permissions -> realms (realm_id));
diesel::joinable!(user_permissions -> users (user_id));
diesel::joinable!(user_roles -> realms (realm_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(users -> realms (realm_id));

diesel::allow_tables_to_appear_in_same_query!(
    authorization_codes,
    bootstrap,
    client_permissions,
    client_scopes,
    clients,
    consents,
    events,
    login_failures,
    permissions,
    realms,
    refresh_tokens,
    revoked_tokens,
    role_permissions,
    roles,
    scopes,
    sessions,
    signing_keys,
    user_permissions,
    user_roles,
    users,
);
