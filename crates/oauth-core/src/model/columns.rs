//! The columns of every record the admin API lists, declared once: one enum per record type
//! ([`Record::Column`]), with each column's stored name, wire name, type and value, and which
//! columns lists may filter and sort by. The memory store, the diesel stores and the admin API's
//! query parser all read these.

use uuid::Uuid;

use super::{
    Client, ClientPermission, ClientScope, Consent, Event, Permission, Realm, Role, RolePermission,
    ScopeRecord, Session, SigningKey, User, UserPermission, UserRole,
};
use crate::store::records::FieldValue;

/// Declares a record type's column enum and implements [`Column`] and [`Record`]:
///
/// ```text
/// columns! {
///     /// doc
///     UserColumn for User (r) {
///         Variant = "stored_name" / "wireName": Kind => value of r,
///         ...
///     }
///     filter [Variant, ...]
///     sort [Variant, ...]
///     unique => Option<Vec<FieldValue>> of r
/// }
/// ```
macro_rules! columns {
    (
        $(#[$doc:meta])*
        $column:ident for $record:ident ($r:ident) {
            $($variant:ident = $name:literal / $json:literal : $kind:ident => $value:expr),+ $(,)?
        }
        filter [$($filter:ident),* $(,)?]
        sort [$($sort:ident),* $(,)?]
        unique => $unique:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $column {
            $(
                #[doc = concat!("`", $name, "`.")]
                $variant,
            )+
        }

        impl $crate::store::records::Column for $column {
            type Record = $record;
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }
            fn json(self) -> &'static str {
                match self { $(Self::$variant => $json,)+ }
            }
            fn kind(self) -> $crate::store::records::Kind {
                match self { $(Self::$variant => $crate::store::records::Kind::$kind,)+ }
            }
            fn filterable(self) -> bool {
                matches!(self, $(Self::$filter)|*)
            }
            fn sortable(self) -> bool {
                matches!(self, $(Self::$sort)|*)
            }
        }

        impl $crate::store::records::Record for $record {
            type Column = $column;
            fn id(&self) -> ::uuid::Uuid {
                self.id
            }
            fn value(&self, column: $column) -> Option<$crate::store::records::FieldValue> {
                let $r = self;
                match column { $($column::$variant => $value,)+ }
            }
            #[allow(unused_variables)]
            fn unique_key(&self) -> Option<Vec<$crate::store::records::FieldValue>> {
                let $r = self;
                $unique
            }
        }
    };
}

fn id(v: Uuid) -> Option<FieldValue> {
    Some(FieldValue::Id(v))
}

fn text(v: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(v.to_owned()))
}

fn opt_text(v: Option<&String>) -> Option<FieldValue> {
    v.map(|v| FieldValue::Text(v.clone()))
}

fn time(v: super::UnixTime) -> Option<FieldValue> {
    Some(FieldValue::Time(v))
}

fn boolean(v: bool) -> Option<FieldValue> {
    Some(FieldValue::Bool(v))
}

fn key(values: &[FieldValue]) -> Option<Vec<FieldValue>> {
    Some(values.to_vec())
}

columns! {
    /// The listed columns of a [`Realm`].
    RealmColumn for Realm (r) {
        Id = "id" / "id": Id => id(r.id),
        Name = "name" / "name": Text => text(&r.name),
        BuiltIn = "built_in" / "builtIn": Bool => boolean(r.built_in),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
    }
    filter [Id, Name, BuiltIn]
    sort [Name, CreatedAt]
    unique => key(&[FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`User`].
    UserColumn for User (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        Name = "name" / "name": Text => text(&r.name),
        Email = "email" / "email": Text => opt_text(r.email.as_ref()),
        Active = "active" / "active": Bool => boolean(r.active),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
        UpdatedAt = "updated_at" / "updatedAt": Time => time(r.updated_at),
    }
    filter [Id, RealmId, Name, Email, Active]
    sort [Name, CreatedAt, UpdatedAt]
    unique => key(&[FieldValue::Id(r.realm_id), FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`Client`].
    ClientColumn for Client (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        Name = "name" / "name": Text => text(&r.name),
        Active = "active" / "active": Bool => boolean(r.active),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
        UpdatedAt = "updated_at" / "updatedAt": Time => time(r.updated_at),
    }
    filter [Id, RealmId, Name, Active]
    sort [Name, CreatedAt, UpdatedAt]
    unique => key(&[FieldValue::Id(r.realm_id), FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`ScopeRecord`].
    ScopeColumn for ScopeRecord (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        Name = "name" / "name": Text => text(&r.name),
        BuiltIn = "built_in" / "builtIn": Bool => boolean(r.built_in),
    }
    filter [Id, RealmId, Name, BuiltIn]
    sort [Name]
    unique => key(&[FieldValue::Id(r.realm_id), FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`Role`].
    RoleColumn for Role (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        Name = "name" / "name": Text => text(&r.name),
        BuiltIn = "built_in" / "builtIn": Bool => boolean(r.built_in),
    }
    filter [Id, RealmId, Name, BuiltIn]
    sort [Name]
    unique => key(&[FieldValue::Id(r.realm_id), FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`Permission`].
    PermissionColumn for Permission (r) {
        Id = "id" / "id": Id => id(r.id),
        Name = "name" / "name": Text => text(&r.name),
        BuiltIn = "built_in" / "builtIn": Bool => boolean(r.built_in),
    }
    filter [Id, Name, BuiltIn]
    sort [Name]
    unique => key(&[FieldValue::Text(r.name.clone())])
}

columns! {
    /// The listed columns of a [`SigningKey`].
    KeyColumn for SigningKey (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        Algorithm = "algorithm" / "algorithm": Text => text(r.algorithm.as_str()),
        Status = "status" / "status": Text => text(r.status.as_str()),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
    }
    filter [Id, RealmId, Algorithm, Status]
    sort [CreatedAt]
    unique => None
}

columns! {
    /// The listed columns of a [`Session`].
    SessionColumn for Session (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        UserId = "user_id" / "userId": Id => id(r.user_id),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
        ExpiresAt = "expires_at" / "expiresAt": Time => time(r.expires_at),
    }
    filter [Id, RealmId, UserId]
    sort [CreatedAt, ExpiresAt]
    unique => None
}

columns! {
    /// The listed columns of a [`Consent`].
    ConsentColumn for Consent (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
        UserId = "user_id" / "userId": Id => id(r.user_id),
        ClientId = "client_id" / "clientId": Id => id(r.client_id),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
    }
    filter [Id, RealmId, UserId, ClientId]
    sort [CreatedAt]
    unique => key(&[FieldValue::Id(r.user_id), FieldValue::Id(r.client_id)])
}

columns! {
    /// The listed columns of an [`Event`].
    EventColumn for Event (r) {
        Id = "id" / "id": Id => id(r.id),
        RealmId = "realm_id" / "realmId": Id => r.realm_id.map(FieldValue::Id),
        Name = "name" / "name": Text => text(&r.name),
        Success = "success" / "success": Bool => boolean(r.success),
        ActorId = "actor_id" / "actorId": Text => opt_text(r.actor_id.as_ref()),
        TargetId = "target_id" / "targetId": Text => opt_text(r.target_id.as_ref()),
        CreatedAt = "created_at" / "createdAt": Time => time(r.created_at),
    }
    filter [Id, RealmId, Name, Success, ActorId, TargetId]
    sort [CreatedAt]
    unique => None
}

/// Declares the columns of an assignment (two ids, unique together).
macro_rules! assignment_columns {
    ($(#[$doc:meta])* $column:ident for $record:ident:
     $left:ident = $left_name:literal / $left_json:literal,
     $right:ident = $right_name:literal / $right_json:literal,
     ($lf:ident, $rf:ident)) => {
        columns! {
            $(#[$doc])*
            $column for $record (r) {
                Id = "id" / "id": Id => id(r.id),
                RealmId = "realm_id" / "realmId": Id => id(r.realm_id),
                $left = $left_name / $left_json: Id => id(r.$lf),
                $right = $right_name / $right_json: Id => id(r.$rf),
            }
            filter [Id, RealmId, $left, $right]
            sort [$left, $right]
            unique => key(&[FieldValue::Id(r.$lf), FieldValue::Id(r.$rf)])
        }
    };
}

assignment_columns!(
    /// The listed columns of a [`UserRole`].
    UserRoleColumn for UserRole:
    UserId = "user_id" / "userId", RoleId = "role_id" / "roleId", (user_id, role_id)
);
assignment_columns!(
    /// The listed columns of a [`RolePermission`].
    RolePermissionColumn for RolePermission:
    RoleId = "role_id" / "roleId", PermissionId = "permission_id" / "permissionId",
    (role_id, permission_id)
);
assignment_columns!(
    /// The listed columns of a [`UserPermission`].
    UserPermissionColumn for UserPermission:
    UserId = "user_id" / "userId", PermissionId = "permission_id" / "permissionId",
    (user_id, permission_id)
);
assignment_columns!(
    /// The listed columns of a [`ClientPermission`].
    ClientPermissionColumn for ClientPermission:
    ClientId = "client_id" / "clientId", PermissionId = "permission_id" / "permissionId",
    (client_id, permission_id)
);
assignment_columns!(
    /// The listed columns of a [`ClientScope`].
    ClientScopeColumn for ClientScope:
    ClientId = "client_id" / "clientId", ScopeId = "scope_id" / "scopeId", (client_id, scope_id)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::{Column, Kind};

    fn names_are_unique<C: Column>() {
        for (i, a) in C::ALL.iter().enumerate() {
            for b in &C::ALL[i + 1..] {
                assert_ne!(a.name(), b.name(), "{a:?}");
                assert_ne!(a.json(), b.json(), "{a:?}");
            }
            assert!(!(a.filterable() && a.kind() == Kind::Time), "{a:?}");
            assert!(
                a.name() == "id" || a.name().contains(char::is_lowercase),
                "{a:?}"
            );
        }
    }

    #[test]
    fn every_column_list_names_each_column_once() {
        names_are_unique::<RealmColumn>();
        names_are_unique::<UserColumn>();
        names_are_unique::<ClientColumn>();
        names_are_unique::<ScopeColumn>();
        names_are_unique::<RoleColumn>();
        names_are_unique::<PermissionColumn>();
        names_are_unique::<KeyColumn>();
        names_are_unique::<SessionColumn>();
        names_are_unique::<ConsentColumn>();
        names_are_unique::<EventColumn>();
        names_are_unique::<UserRoleColumn>();
        names_are_unique::<RolePermissionColumn>();
        names_are_unique::<UserPermissionColumn>();
        names_are_unique::<ClientPermissionColumn>();
        names_are_unique::<ClientScopeColumn>();
    }
}
