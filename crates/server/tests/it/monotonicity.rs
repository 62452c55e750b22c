//! Privilege monotonicity (issue 13): random sequences of admin operations (grant and revoke
//! permissions and roles, create roles and users, change passwords, names and `active`, delete
//! users, restart the bootstrap) by random principals, through the admin API, on the memory
//! store and on SQLite. After every step:
//!
//! - nobody holds a permission they did not hold before unless the principal who acted held it;
//! - whoever took over another principal's credentials (password) held every permission of it;
//! - a restart gives nobody anything.
//!
//! The sequence is seeded; a failure prints the seed and the step.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::test;
use oauth_core::Store;
use oauth_core::grant::Settings;
use oauth_core::memory::MemoryStore;
use oauth_core::model::User;
use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::provision;
use oauth_core::random::SeededEntropy;
use oauth_core::secret::Password;
use oauth_core::store::records::{ListQuery, Records};
use portcullis_server::state::{AppState, DatabaseUrl, open_store};
use serde_json::{Value, json};

use crate::support::{PUBLIC_URL, now};

const STEPS: usize = 10_000;

/// The permissions the random operations hand around (the interesting ones for escalation).
const PERMISSIONS: [&str; 10] = [
    "user_create",
    "user_update",
    "user_delete",
    "user_role_create",
    "user_role_delete",
    "user_permission_create",
    "user_permission_delete",
    "role_create",
    "role_permission_create",
    "role_permission_delete",
];

#[actix_web::test]
#[allow(clippy::await_holding_lock)]
async fn no_sequence_of_admin_operations_raises_a_principal_on_the_memory_store() {
    let _heavy = crate::support::heavy();
    run(|| (Arc::new(MemoryStore::new()), None), 0x5eed_0001).await;
}

#[actix_web::test]
#[allow(clippy::await_holding_lock)]
async fn no_sequence_of_admin_operations_raises_a_principal_on_sqlite() {
    let _heavy = crate::support::heavy();
    run(
        || {
            let dir = tempfile::tempdir().unwrap();
            let (store, _) = open_store(&DatabaseUrl::Sqlite(dir.path().join("m.db")), 4).unwrap();
            (store, Some(dir))
        },
        0x5eed_0002,
    )
    .await;
}

/// Runs [`STEPS`] steps in epochs: each epoch starts on a fresh database and ends when its
/// bootstrap admin is gone, inactive or stripped (someone holding everything it holds may do
/// that), since little can happen after that but refusals.
async fn run(make: impl Fn() -> (Arc<dyn Store>, Option<tempfile::TempDir>), seed: u64) {
    let (mut done, mut applied, mut epochs) = (0, 0, 0);
    let mut outcomes: BTreeMap<(usize, u16), u32> = BTreeMap::new();
    let mut rng = Rng(seed);
    while done < STEPS {
        let (store, _dir) = make();
        let (steps, changed) = epoch(store, &mut rng, STEPS - done, &mut outcomes).await;
        done += steps;
        applied += changed;
        epochs += 1;
    }
    eprintln!(
        "monotonicity seed {seed}: {STEPS} steps in {epochs} epochs, {applied} changed something; \
         (op, status) → count: {outcomes:?}"
    );
    assert!(
        applied > STEPS / 10,
        "too few operations succeeded ({applied}) to mean anything"
    );
}

/// Sends a request; answers the status and JSON body. Unlike `support::send`, it does not feed
/// the suite's secret ledger: ten thousand steps of passwords and tokens would only slow it.
async fn send<S, B>(app: &S, req: test::TestRequest) -> (u16, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status().as_u16();
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A small deterministic generator (xorshift64*), so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// What the test knows of a user: the password it set last (tokens are re-obtained with it).
#[derive(Clone)]
struct Known {
    password: String,
}

fn hasher() -> PasswordHasher {
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    PasswordHasher::new(cheap, &mut SeededEntropy::new(5)).unwrap()
}

fn restart(store: &dyn Store, hasher: &PasswordHasher) {
    provision::bootstrap(
        store,
        hasher,
        "admin",
        &Password::new("start123"),
        now(),
        &mut SeededEntropy::new(now() as u64),
    )
    .unwrap();
}

/// Every master user's effective permissions.
fn powers(store: &dyn Store) -> BTreeMap<uuid::Uuid, BTreeSet<String>> {
    let query = ListQuery {
        limit: 1000,
        ..ListQuery::default()
    };
    Records::<User>::list_records(store, &query)
        .unwrap()
        .items
        .into_iter()
        .map(|u| {
            let held = store.user_permission_names(u.id).unwrap();
            (u.id, held.into_iter().collect())
        })
        .collect()
}

/// One epoch of at most `budget` steps; answers the steps taken and how many changed something.
async fn epoch(
    store: Arc<dyn Store>,
    rng: &mut Rng,
    budget: usize,
    outcomes: &mut BTreeMap<(usize, u16), u32>,
) -> (usize, usize) {
    let seed = rng.0;
    let hasher = hasher();
    restart(store.as_ref(), &hasher);
    let state = AppState::new(
        store.clone(),
        Settings {
            login_throttle: false,
            ..Settings::new(PUBLIC_URL, hasher.clone())
        },
        2,
        64 * 1024,
        std::time::Duration::from_secs(0),
    );
    let app = test::init_service(portcullis_server::app(state)).await;
    let master = store.find_realm_by_name("master").unwrap().unwrap();
    let admin = store
        .find_user_by_name(master.id, "admin")
        .unwrap()
        .unwrap();
    let mut known: BTreeMap<uuid::Uuid, Known> = BTreeMap::new();
    known.insert(
        admin.id,
        Known {
            password: "start123".into(),
        },
    );
    let mut tokens: BTreeMap<uuid::Uuid, String> = BTreeMap::new();
    let permission_ids: BTreeMap<String, String> = store
        .list_permissions()
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.id.to_string()))
        .collect();
    let mut counter = 0u32;
    let mut applied = 0usize;

    let mut current = powers(store.as_ref());
    let full_power = current[&admin.id].clone();
    for step in 0..budget {
        // Once the bootstrap admin is gone, inactive or stripped (by principals as powerful as
        // it), little but refusals can follow: a new epoch starts.
        let admin_usable = Records::<User>::get_record(store.as_ref(), admin.id)
            .unwrap()
            .is_some_and(|u| u.active)
            && current.get(&admin.id) == Some(&full_power);
        if !admin_usable {
            return (step.max(1), applied);
        }
        let before = current.clone();
        let users: Vec<uuid::Uuid> = before.keys().copied().collect();
        // The admin acts one step in three; the rest are lesser principals.
        let actor = if rng.below(3) == 0 || users.len() < 2 {
            admin.id
        } else {
            *rng.pick(&users).unwrap()
        };
        let Some(actor_password) = known.get(&actor).map(|k| k.password.clone()) else {
            continue;
        };
        let target = *rng.pick(&users).unwrap();
        let op = rng.below(13);
        // The admin harming itself would end the run's interest, not test anything.
        if actor == admin.id && target == admin.id && matches!(op, 6 | 7) {
            continue;
        }
        if op == 8 && users.len() >= 8 {
            continue;
        }
        if op == 12 {
            restart(store.as_ref(), &hasher);
            let after = powers(store.as_ref());
            for (id, held) in &after {
                let had = before.get(id).cloned().unwrap_or_default();
                assert!(
                    held.is_subset(&had),
                    "seed {seed} step {step}: a restart raised {id}"
                );
            }
            current = after;
            continue;
        }
        // A token for the actor (re-obtained when a change revoked it); inactive actors skip.
        let name = Records::<User>::get_record(store.as_ref(), actor)
            .unwrap()
            .map(|u| u.name);
        let Some(name) = name else { continue };
        let token = match tokens.get(&actor) {
            Some(t) => t.clone(),
            None => {
                let login = test::TestRequest::post().uri("/token").set_form([
                    ("grant_type", "password"),
                    ("username", &name),
                    ("password", &actor_password),
                ]);
                let (s, body) = send(&app, login).await;
                if s != 200 {
                    continue;
                }
                let t = body["access_token"].as_str().unwrap().to_owned();
                tokens.insert(actor, t.clone());
                t
            }
        };
        let permission = permission_ids[*rng.pick(&PERMISSIONS).unwrap()].clone();
        counter += 1;
        let new_password = format!("password-{counter:08}");
        let (method, uri, body, takeover): (&str, String, Option<Value>, bool) = match op {
            0 => (
                "POST",
                "/user-permissions".into(),
                Some(json!({"userId": target, "permissionId": permission})),
                false,
            ),
            1 | 2 => {
                let roles = Records::<oauth_core::model::Role>::list_records(
                    store.as_ref(),
                    &ListQuery::default(),
                )
                .unwrap()
                .items;
                let Some(role) = rng.pick(&roles) else {
                    continue;
                };
                if op == 1 {
                    (
                        "POST",
                        "/user-roles".into(),
                        Some(json!({"userId": target, "roleId": role.id})),
                        false,
                    )
                } else {
                    (
                        "POST",
                        "/role-permissions".into(),
                        Some(json!({"roleId": role.id, "permissionId": permission})),
                        false,
                    )
                }
            }
            3 if !counter.is_multiple_of(8) => continue,
            3 => (
                "POST",
                "/roles".into(),
                Some(json!({"name": format!("role-{counter}")})),
                false,
            ),
            4 => {
                let mut body = json!({"password": new_password});
                if target == actor {
                    body["currentPassword"] = actor_password.clone().into();
                }
                (
                    "POST",
                    format!("/users/{target}"),
                    Some(body),
                    target != actor,
                )
            }
            5 => {
                let name = if rng.below(3) == 0 {
                    "admin".to_owned()
                } else {
                    format!("user-{counter}")
                };
                (
                    "POST",
                    format!("/users/{target}"),
                    Some(json!({"name": name})),
                    false,
                )
            }
            6 => (
                "POST",
                format!("/users/{target}"),
                Some(json!({"active": rng.below(2) == 0})),
                false,
            ),
            7 => ("DELETE", format!("/users/{target}"), None, false),
            8 => (
                "POST",
                "/users".into(),
                Some(json!({"name": format!("user-{counter}"), "password": new_password})),
                false,
            ),
            9..=11 => {
                let (path, items): (&str, Vec<String>) = match op {
                    9 => (
                        "user-roles",
                        ids::<oauth_core::model::UserRole>(store.as_ref()),
                    ),
                    10 => (
                        "user-permissions",
                        ids::<oauth_core::model::UserPermission>(store.as_ref()),
                    ),
                    _ => (
                        "role-permissions",
                        ids::<oauth_core::model::RolePermission>(store.as_ref()),
                    ),
                };
                // The admin stripping its own power would end the run's interest.
                let items: Vec<String> = if actor == admin.id {
                    let own = admin_grants(store.as_ref(), admin.id);
                    items.into_iter().filter(|i| !own.contains(i)).collect()
                } else {
                    items
                };
                let Some(id) = rng.pick(&items) else { continue };
                ("DELETE", format!("/{path}/{id}"), None, false)
            }
            _ => unreachable!(),
        };
        let mut req = match method {
            "DELETE" => test::TestRequest::delete(),
            _ => test::TestRequest::post(),
        }
        .uri(&uri)
        .insert_header(("authorization", format!("Bearer {token}")));
        if let Some(body) = &body {
            req = req.set_json(body);
        }
        let (status, answer) = send(&app, req).await;
        assert!(
            status < 500,
            "seed {seed} step {step}: {method} {uri} {body:?} → {status} {answer}"
        );
        if status == 401 {
            tokens.remove(&actor);
        }
        let ok = status < 300;
        *outcomes.entry((op, status)).or_insert(0u32) += 1;
        if ok {
            applied += 1;
            match op {
                4 => {
                    known.insert(
                        target,
                        Known {
                            password: new_password.clone(),
                        },
                    );
                    tokens.remove(&target);
                }
                8 => {
                    let id = answer["data"]["id"].as_str().unwrap().parse().unwrap();
                    known.insert(
                        id,
                        Known {
                            password: new_password.clone(),
                        },
                    );
                }
                _ => {}
            }
        }
        let after = powers(store.as_ref());
        let actor_held = before.get(&actor).cloned().unwrap_or_default();
        for (id, held) in &after {
            let had = before.get(id).cloned().unwrap_or_default();
            let gained: BTreeSet<&String> = held.difference(&had).collect();
            assert!(
                gained.iter().all(|p| actor_held.contains(*p)),
                "seed {seed} step {step}: {method} {uri} {body:?} by {actor} gave {id} {gained:?}, \
                 which the actor did not hold"
            );
        }
        if ok && takeover {
            let taken = after.get(&target).cloned().unwrap_or_default();
            assert!(
                taken.is_subset(&actor_held),
                "seed {seed} step {step}: {actor} took over {target}, who holds more"
            );
        }
        current = after;
    }
    (budget, applied)
}

/// The ids of the bootstrap admin's role assignments and of its role's permissions.
fn admin_grants(store: &(dyn Store + 'static), admin: uuid::Uuid) -> BTreeSet<String> {
    use oauth_core::model::{RolePermission, RolePermissionColumn, UserRole, UserRoleColumn};
    let role = store.bootstrap_record().unwrap().unwrap().admin_role_id;
    let mut query = ListQuery::by(UserRoleColumn::UserId, admin);
    query.limit = 1000;
    let mut own: BTreeSet<String> = Records::<UserRole>::list_records(store, &query)
        .unwrap()
        .items
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    if let Some(role) = role {
        let mut query = ListQuery::by(RolePermissionColumn::RoleId, role);
        query.limit = 1000;
        own.extend(
            Records::<RolePermission>::list_records(store, &query)
                .unwrap()
                .items
                .iter()
                .map(|a| a.id.to_string()),
        );
    }
    own
}

fn ids<T: oauth_core::store::records::Record>(store: &(dyn Store + 'static)) -> Vec<String>
where
    dyn Store: Records<T>,
{
    let query = ListQuery {
        limit: 1000,
        ..ListQuery::default()
    };
    Records::<T>::list_records(store, &query)
        .unwrap()
        .items
        .iter()
        .map(|r| r.id().to_string())
        .collect()
}
