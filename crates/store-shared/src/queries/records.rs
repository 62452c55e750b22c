//! `Records<T>` (the admin API's generic list/get/insert/update/delete) for every record type:
//! each record's column enum mapped to its table's columns.

use super::prelude::*;

store_shared::__records!(
    DbStore,
    Backend,
    Realm,
    RealmColumn,
    RealmRow,
    realms,
    columns {
        Id => id: Id,
        Name => name: Text,
        BuiltIn => built_in: Bool,
        CreatedAt => created_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    User,
    UserColumn,
    UserRow,
    users,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Name => name: Text,
        Email => email: Text,
        Active => active: Bool,
        CreatedAt => created_at: Time,
        UpdatedAt => updated_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Client,
    ClientColumn,
    ClientRow,
    clients,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Name => name: Text,
        Active => active: Bool,
        CreatedAt => created_at: Time,
        UpdatedAt => updated_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    ScopeRecord,
    ScopeColumn,
    ScopeRow,
    scopes,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Name => name: Text,
        BuiltIn => built_in: Bool,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Role,
    RoleColumn,
    RoleRow,
    roles,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Name => name: Text,
        BuiltIn => built_in: Bool,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Permission,
    PermissionColumn,
    PermissionRow,
    permissions,
    columns {
        Id => id: Id,
        Name => name: Text,
        BuiltIn => built_in: Bool,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    SigningKey,
    KeyColumn,
    KeyRow,
    signing_keys,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Algorithm => algorithm: Text,
        Status => status: Text,
        CreatedAt => created_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Session,
    SessionColumn,
    SessionRow,
    sessions,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        UserId => user_id: Id,
        CreatedAt => created_at: Time,
        ExpiresAt => expires_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Consent,
    ConsentColumn,
    ConsentRow,
    consents,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        UserId => user_id: Id,
        ClientId => client_id: Id,
        CreatedAt => created_at: Time,
    }
);
store_shared::__records!(
    DbStore,
    Backend,
    Event,
    EventColumn,
    EventRow,
    events,
    columns {
        Id => id: Id,
        RealmId => realm_id: Id,
        Name => name: Text,
        Success => success: Bool,
        ActorId => actor_id: Text,
        TargetId => target_id: Text,
        CreatedAt => created_at: Time,
    }
);
store_shared::__assignment!(
    DbStore,
    Backend,
    UserRole,
    UserRoleColumn,
    UserRoleRow,
    user_roles,
    user_id: UserId,
    role_id: RoleId
);
store_shared::__assignment!(
    DbStore,
    Backend,
    RolePermission,
    RolePermissionColumn,
    RolePermissionRow,
    role_permissions,
    role_id: RoleId,
    permission_id: PermissionId
);
store_shared::__assignment!(
    DbStore,
    Backend,
    UserPermission,
    UserPermissionColumn,
    UserPermissionRow,
    user_permissions,
    user_id: UserId,
    permission_id: PermissionId
);
store_shared::__assignment!(
    DbStore,
    Backend,
    ClientPermission,
    ClientPermissionColumn,
    ClientPermissionRow,
    client_permissions,
    client_id: ClientId,
    permission_id: PermissionId
);
store_shared::__assignment!(
    DbStore,
    Backend,
    ClientScope,
    ClientScopeColumn,
    ClientScopeRow,
    client_scopes,
    client_id: ClientId,
    scope_id: ScopeId
);
