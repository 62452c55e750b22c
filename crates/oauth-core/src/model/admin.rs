//! Records only the admin API manages: assignments between roles, permissions, users, clients
//! and scopes, and audit events; and the [`Columns`] of every record the admin API lists.

use uuid::Uuid;

use super::{
    Client, Consent, Permission, Realm, Role, ScopeRecord, Session, SigningKey, UnixTime, User,
};
use crate::store::records::{Columns, FieldValue};

macro_rules! assignment {
    ($(#[$doc:meta])* $name:ident, $left:ident, $right:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// Unique id.
            pub id: Uuid,
            /// Realm of the assignment's first party (for realm-scoped listing).
            pub realm_id: Uuid,
            #[doc = concat!("The `", stringify!($left), "`.")]
            pub $left: Uuid,
            #[doc = concat!("The `", stringify!($right), "`.")]
            pub $right: Uuid,
        }

        impl Columns for $name {
            fn id(&self) -> Uuid {
                self.id
            }
            fn column(&self, name: &str) -> Option<FieldValue> {
                match name {
                    "id" => Some(FieldValue::Id(self.id)),
                    "realm_id" => Some(FieldValue::Id(self.realm_id)),
                    stringify!($left) => Some(FieldValue::Id(self.$left)),
                    stringify!($right) => Some(FieldValue::Id(self.$right)),
                    _ => None,
                }
            }
            fn unique_key(&self) -> Option<Vec<FieldValue>> {
                Some(vec![FieldValue::Id(self.$left), FieldValue::Id(self.$right)])
            }
        }
    };
}

assignment!(
    /// A role given to a user.
    UserRole, user_id, role_id
);
assignment!(
    /// A permission granted to a role.
    RolePermission, role_id, permission_id
);
assignment!(
    /// A permission granted to a user directly.
    UserPermission, user_id, permission_id
);
assignment!(
    /// A permission granted to a client (for its client-credentials tokens).
    ClientPermission, client_id, permission_id
);
assignment!(
    /// A scope a client may request.
    ClientScope, client_id, scope_id
);

/// Something that happened, kept for audit: logins, tokens issued, admin changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id.
    pub id: Uuid,
    /// Realm it happened in, if any.
    pub realm_id: Option<Uuid>,
    /// What happened: `login`, `token_issued`, `refresh_reuse`, `authorization`, `logout`,
    /// `<entity>_<create|update|delete>`.
    pub name: String,
    /// Whether it succeeded.
    pub success: bool,
    /// Who did it: `user`, `client` (or `None` when nobody was authenticated).
    pub actor_type: Option<String>,
    /// Id (or, for a failed login, the name given) of who did it.
    pub actor_id: Option<String>,
    /// Kind of the record it touched.
    pub target_type: Option<String>,
    /// Id of the record it touched.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// More, e.g. the grant type; never a secret.
    pub detail: Option<String>,
    /// How many identical events this record stands for (the writer folds repeats that arrive
    /// together, e.g. a burst of client-credentials tokens, into one record).
    pub count: i64,
    /// When.
    pub created_at: UnixTime,
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

fn time(v: UnixTime) -> Option<FieldValue> {
    // Zero-padded so text order is time order (times are non-negative).
    Some(FieldValue::Text(format!("{v:020}")))
}

fn boolean(v: bool) -> Option<FieldValue> {
    Some(FieldValue::Bool(v))
}

impl Columns for Realm {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "name" => text(&self.name),
            "built_in" => boolean(self.built_in),
            "created_at" => time(self.created_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        Some(vec![FieldValue::Text(self.name.clone())])
    }
}

impl Columns for User {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => id(self.realm_id),
            "name" => text(&self.name),
            "email" => opt_text(self.email.as_ref()),
            "active" => boolean(self.active),
            "created_at" => time(self.created_at),
            "updated_at" => time(self.updated_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        Some(vec![
            FieldValue::Id(self.realm_id),
            FieldValue::Text(self.name.clone()),
        ])
    }
}

impl Columns for Client {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => id(self.realm_id),
            "name" => text(&self.name),
            "active" => boolean(self.active),
            "created_at" => time(self.created_at),
            "updated_at" => time(self.updated_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        Some(vec![
            FieldValue::Id(self.realm_id),
            FieldValue::Text(self.name.clone()),
        ])
    }
}

macro_rules! named_in_realm {
    ($t:ty) => {
        impl Columns for $t {
            fn id(&self) -> Uuid {
                self.id
            }
            fn column(&self, name: &str) -> Option<FieldValue> {
                match name {
                    "id" => id(self.id),
                    "realm_id" => id(self.realm_id),
                    "name" => text(&self.name),
                    "built_in" => boolean(self.built_in),
                    _ => None,
                }
            }
            fn unique_key(&self) -> Option<Vec<FieldValue>> {
                Some(vec![
                    FieldValue::Id(self.realm_id),
                    FieldValue::Text(self.name.clone()),
                ])
            }
        }
    };
}

named_in_realm!(Role);
named_in_realm!(ScopeRecord);

impl Columns for Permission {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "name" => text(&self.name),
            "built_in" => boolean(self.built_in),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        Some(vec![FieldValue::Text(self.name.clone())])
    }
}

impl Columns for SigningKey {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => id(self.realm_id),
            "algorithm" => text(self.algorithm.as_str()),
            "status" => text(self.status.as_str()),
            "created_at" => time(self.created_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        None
    }
}

impl Columns for Session {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => id(self.realm_id),
            "user_id" => id(self.user_id),
            "created_at" => time(self.created_at),
            "expires_at" => time(self.expires_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        None
    }
}

impl Columns for Consent {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => id(self.realm_id),
            "user_id" => id(self.user_id),
            "client_id" => id(self.client_id),
            "created_at" => time(self.created_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        Some(vec![
            FieldValue::Id(self.user_id),
            FieldValue::Id(self.client_id),
        ])
    }
}

impl Columns for Event {
    fn id(&self) -> Uuid {
        self.id
    }
    fn column(&self, name: &str) -> Option<FieldValue> {
        match name {
            "id" => id(self.id),
            "realm_id" => self.realm_id.map(FieldValue::Id),
            "name" => text(&self.name),
            "success" => boolean(self.success),
            "actor_id" => opt_text(self.actor_id.as_ref()),
            "target_id" => opt_text(self.target_id.as_ref()),
            "created_at" => time(self.created_at),
            _ => None,
        }
    }
    fn unique_key(&self) -> Option<Vec<FieldValue>> {
        None
    }
}
