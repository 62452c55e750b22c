//! `Records<T>` (the admin API's generic list/get/insert/update/delete) for every record type:
//! which columns each table lets the API filter and sort by.

use super::prelude::*;

store_shared::__records!(
    DbStore,
    Backend,
    Realm,
    RealmRow,
    realms,
    filter {
        id: Id,
        name: Text,
        built_in: Bool
    },
    sort { name, created_at }
);
store_shared::__records!(
    DbStore,
    Backend,
    User,
    UserRow,
    users,
    filter {
        id: Id,
        realm_id: Id,
        name: Text,
        email: Text,
        active: Bool
    },
    sort {
        name,
        created_at,
        updated_at
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Client,
    ClientRow,
    clients,
    filter {
        id: Id,
        realm_id: Id,
        name: Text,
        active: Bool
    },
    sort {
        name,
        created_at,
        updated_at
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    ScopeRecord,
    ScopeRow,
    scopes,
    filter {
        id: Id,
        realm_id: Id,
        name: Text,
        built_in: Bool
    },
    sort { name }
);
store_shared::__records!(
    DbStore,
    Backend,
    Role,
    RoleRow,
    roles,
    filter {
        id: Id,
        realm_id: Id,
        name: Text,
        built_in: Bool
    },
    sort { name }
);
store_shared::__records!(
    DbStore,
    Backend,
    Permission,
    PermissionRow,
    permissions,
    filter {
        id: Id,
        name: Text,
        built_in: Bool
    },
    sort { name }
);
store_shared::__records!(
    DbStore,
    Backend,
    SigningKey,
    KeyRow,
    signing_keys,
    filter {
        id: Id,
        realm_id: Id,
        algorithm: Text,
        status: Text
    },
    sort { created_at }
);
store_shared::__records!(
    DbStore,
    Backend,
    Session,
    SessionRow,
    sessions,
    filter {
        id: Id,
        realm_id: Id,
        user_id: Id
    },
    sort {
        created_at,
        expires_at
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Consent,
    ConsentRow,
    consents,
    filter {
        id: Id,
        realm_id: Id,
        user_id: Id,
        client_id: Id
    },
    sort { created_at }
);
store_shared::__records!(
    DbStore,
    Backend,
    Event,
    EventRow,
    events,
    filter {
        id: Id,
        realm_id: Id,
        name: Text,
        success: Bool,
        actor_id: Text,
        target_id: Text
    },
    sort { created_at }
);
store_shared::__assignment!(
    DbStore,
    Backend,
    UserRole,
    UserRoleRow,
    user_roles,
    user_id,
    role_id
);
store_shared::__assignment!(
    DbStore,
    Backend,
    RolePermission,
    RolePermissionRow,
    role_permissions,
    role_id,
    permission_id
);
store_shared::__assignment!(
    DbStore,
    Backend,
    UserPermission,
    UserPermissionRow,
    user_permissions,
    user_id,
    permission_id
);
store_shared::__assignment!(
    DbStore,
    Backend,
    ClientPermission,
    ClientPermissionRow,
    client_permissions,
    client_id,
    permission_id
);
store_shared::__assignment!(
    DbStore,
    Backend,
    ClientScope,
    ClientScopeRow,
    client_scopes,
    client_id,
    scope_id
);
