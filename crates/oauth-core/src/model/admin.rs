//! Records only the admin API manages: assignments between roles, permissions, users, clients
//! and scopes, and audit events.

use uuid::Uuid;

use super::UnixTime;

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
