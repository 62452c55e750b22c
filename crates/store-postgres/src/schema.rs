// @generated automatically by Diesel CLI.

diesel::table! {
    authorization_codes (id) {
        id -> Uuid,
        code_hash -> Text,
        realm_id -> Uuid,
        client_id -> Uuid,
        user_id -> Uuid,
        session_id -> Nullable<Uuid>,
        redirect_uri -> Text,
        scope -> Text,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        nonce -> Nullable<Text>,
        auth_time -> Timestamptz,
        family_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        consumed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bootstrap (id) {
        id -> Int4,
        admin_role_id -> Nullable<Uuid>,
        admin_user_id -> Nullable<Uuid>,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    client_permissions (id) {
        id -> Uuid,
        realm_id -> Uuid,
        client_id -> Uuid,
        permission_id -> Uuid,
    }
}

diesel::table! {
    client_scopes (id) {
        id -> Uuid,
        realm_id -> Uuid,
        client_id -> Uuid,
        scope_id -> Uuid,
    }
}

diesel::table! {
    clients (id) {
        id -> Uuid,
        realm_id -> Uuid,
        name -> Text,
        display_name -> Nullable<Text>,
        description -> Nullable<Text>,
        active -> Bool,
        secret_hash -> Nullable<Text>,
        grant_types -> Nullable<Text>,
        scope -> Nullable<Text>,
        redirect_uri -> Nullable<Text>,
        first_party -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        post_logout_redirect_uri -> Nullable<Text>,
        id_token_signed_response_alg -> Nullable<Text>,
    }
}

diesel::table! {
    consents (id) {
        user_id -> Uuid,
        client_id -> Uuid,
        scope -> Text,
        created_at -> Timestamptz,
        id -> Uuid,
        realm_id -> Uuid,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        realm_id -> Nullable<Uuid>,
        name -> Text,
        success -> Bool,
        actor_type -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
        count -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_failures (key) {
        key -> Text,
        failures -> Int4,
        window_start -> Timestamptz,
        last_failure -> Timestamptz,
    }
}

diesel::table! {
    permissions (id) {
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    realms (id) {
        id -> Uuid,
        name -> Text,
        display_name -> Nullable<Text>,
        access_token_lifetime -> Int8,
        refresh_token_lifetime -> Int8,
        access_token_algorithm -> Text,
        built_in -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        token_hash -> Text,
        family_id -> Uuid,
        realm_id -> Uuid,
        client_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        scope -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        consumed_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        auth_time -> Nullable<Timestamptz>,
        session_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    revoked_tokens (id) {
        id -> Text,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    role_permissions (id) {
        role_id -> Uuid,
        permission_id -> Uuid,
        id -> Uuid,
        realm_id -> Uuid,
    }
}

diesel::table! {
    roles (id) {
        id -> Uuid,
        realm_id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    scopes (id) {
        id -> Uuid,
        realm_id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        built_in -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        token_hash -> Text,
        realm_id -> Uuid,
        user_id -> Uuid,
        auth_time -> Timestamptz,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Uuid,
        realm_id -> Uuid,
        algorithm -> Text,
        status -> Text,
        private_key -> Text,
        public_jwk -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_permissions (id) {
        id -> Uuid,
        realm_id -> Uuid,
        user_id -> Uuid,
        permission_id -> Uuid,
    }
}

diesel::table! {
    user_roles (id) {
        user_id -> Uuid,
        role_id -> Uuid,
        id -> Uuid,
        realm_id -> Uuid,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        realm_id -> Uuid,
        name -> Text,
        display_name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        email -> Nullable<Text>,
        email_verified -> Bool,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
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
