//! The transfer on the memory store with a fixed clock: a round trip is exact and a second import
//! writes nothing; permissions are matched by name; every conflict and every defect of a file is
//! its own refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::format::FileSecret;
use super::*;
use crate::memory::MemoryStore;
use crate::model::{Realm, SigningAlgorithm};
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient, NewRealm, NewUser};
use crate::random::SeededEntropy;
use crate::secret::Password;
use crate::store::{RealmStore, RoleStore, UserStore};

const NOW: i64 = 1_700_000_000;

fn hasher() -> PasswordHasher {
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    PasswordHasher::new(cheap, &mut SeededEntropy::new(1)).unwrap()
}

/// A bootstrapped store (seeded by `seed`) with realm `acme`: a user, a confidential client.
fn source(seed: u64) -> MemoryStore {
    let store = MemoryStore::new();
    let mut rng = SeededEntropy::new(seed);
    let h = hasher();
    provision::bootstrap(
        &store,
        &h,
        "admin",
        &Password::new("start123"),
        NOW,
        &mut rng,
    )
    .unwrap();
    let acme = provision::create_realm(
        &store,
        NewRealm::named("acme", SigningAlgorithm::Es256),
        NOW,
        &mut rng,
    )
    .unwrap();
    let bob = NewUser {
        name: "bob".into(),
        email: Some("bob@example.com".into()),
        password: Some(Password::new("bob-password")),
    };
    provision::create_user(&store, &h, &acme, bob, NOW, &mut rng).unwrap();
    let svc = NewClient {
        name: "svc".into(),
        ..NewClient::default()
    };
    provision::create_client(&store, &acme, svc, NOW, &mut rng).unwrap();
    store
}

fn acme(store: &MemoryStore) -> Realm {
    store.find_realm_by_name("acme").unwrap().unwrap()
}

/// The contents of `store` as a file would carry them: written, read back and checked.
fn through_a_file(store: &MemoryStore, only: Option<&str>) -> Contents {
    let contents = export::export(store, only).unwrap();
    let json = serde_json::to_vec(&ExportFile::new(&contents, NOW)).unwrap();
    let read = check::parse(&json).unwrap().contents();
    check::check(&read).unwrap();
    read
}

fn import(target: &MemoryStore, contents: &Contents, policy: OnConflict) -> Vec<RealmOutcome> {
    let plan = import::plan(target, contents, policy).unwrap();
    import::apply(target, &plan).unwrap()
}

#[test]
fn a_round_trip_is_exact_and_a_second_import_writes_nothing() {
    let a = source(1);
    let contents = through_a_file(&a, None);
    assert_eq!(contents, export::export(&a, None).unwrap());
    let b = MemoryStore::new();
    import(&b, &contents, OnConflict::Fail);
    assert_eq!(export::export(&b, None).unwrap(), contents);

    let writes = b.writes();
    let again = import(&b, &contents, OnConflict::Fail);
    assert!(
        again
            .iter()
            .all(|r| r.tally.created == 0 && r.tally.skipped == 0)
    );
    assert!(again.iter().all(|r| r.tally.unchanged > 0));
    assert_eq!(b.writes(), writes, "nothing written");
}

#[test]
fn a_bootstrapped_target_gets_the_realm_with_its_own_permissions_named_alike() {
    let a = source(1);
    let b = source(2);
    let acme_b = acme(&b);
    // b has an acme of its own: rename it out of the way.
    let mut renamed = acme_b.clone();
    renamed.name = "other".into();
    crate::store::records::Records::<Realm>::update_record(&b, &renamed).unwrap();
    let contents = through_a_file(&a, Some("acme"));
    import(&b, &contents, OnConflict::Fail);
    let moved = export::realm_records(&b, acme(&b)).unwrap();
    let permissions = b.list_permissions().unwrap();
    assert_eq!(
        permissions.len(),
        provision::built_in_permissions().len(),
        "none added"
    );
    for grant in &moved.role_permissions {
        assert!(permissions.iter().any(|p| p.id == grant.permission_id));
    }
    assert_eq!(moved.role_permissions.len(), permissions.len());
}

/// One conflict: a change to the target, and the refusal it must cause.
fn refused(change: impl Fn(&MemoryStore, &Contents), policy: OnConflict) -> Refusal {
    let a = source(1);
    let contents = through_a_file(&a, None);
    let b = MemoryStore::new();
    import(&b, &contents, OnConflict::Fail);
    change(&b, &contents);
    let writes = b.writes();
    let refusal = import::plan(&b, &contents, policy).unwrap_err();
    assert_eq!(b.writes(), writes, "planning writes nothing");
    refusal
}

fn conflict_of(refusal: Refusal) -> (String, Conflict) {
    match refusal {
        Refusal::Conflict { at, conflict } => (at, conflict),
        other => panic!("not a conflict: {other}"),
    }
}

#[test]
fn each_conflict_is_refused_with_its_reason() {
    use crate::store::records::Records;
    // A user of the file's name under another id: never taken over, whatever the policy.
    for policy in [OnConflict::Fail, OnConflict::Skip] {
        let (at, conflict) = conflict_of(refused(
            |b, c| {
                let bob = &c
                    .realms
                    .iter()
                    .find(|r| r.realm.name == "acme")
                    .unwrap()
                    .users[0];
                Records::<crate::model::User>::delete_record(b, bob.id).unwrap();
                let mut other = bob.clone();
                other.id = uuid::Uuid::from_u128(9);
                b.create_user(&other).unwrap();
            },
            policy,
        ));
        assert_eq!(at, "realm \"acme\", user \"bob\"");
        assert_eq!(conflict, Conflict::NameTaken(uuid::Uuid::from_u128(9)));
    }
    // A realm of the file's name under another id: never merged.
    let (at, conflict) = conflict_of(refused(
        |b, _| {
            let old = acme(b);
            Records::<Realm>::delete_record(b, old.id).unwrap();
            let mut other = old;
            other.id = uuid::Uuid::from_u128(7);
            b.create_realm(&other).unwrap();
        },
        OnConflict::Skip,
    ));
    assert_eq!(
        (at.as_str(), conflict),
        (
            "realm \"acme\"",
            Conflict::RealmNameTaken(uuid::Uuid::from_u128(7))
        )
    );
    // A permission id that names another permission.
    let (_, conflict) = conflict_of(refused(
        |b, c| {
            let mut p = c.permissions[0].clone();
            p.name = "renamed".into();
            Records::<crate::model::Permission>::update_record(b, &p).unwrap();
        },
        OnConflict::Skip,
    ));
    assert_eq!(conflict, Conflict::PermissionRenamed("renamed".into()));
    // A changed record: refused by default, kept with `skip`.
    let change = |b: &MemoryStore, _: &Contents| {
        let mut realm = acme(b);
        realm.display_name = Some("changed".into());
        Records::<Realm>::update_record(b, &realm).unwrap();
    };
    let (at, conflict) = conflict_of(refused(change, OnConflict::Fail));
    assert_eq!(
        (at.as_str(), conflict),
        ("realm \"acme\"", Conflict::Differs)
    );
}

#[test]
fn a_changed_record_is_kept_with_skip() {
    let a = source(1);
    let contents = through_a_file(&a, None);
    let b = MemoryStore::new();
    import(&b, &contents, OnConflict::Fail);
    let mut realm = acme(&b);
    realm.display_name = Some("changed".into());
    crate::store::records::Records::<Realm>::update_record(&b, &realm).unwrap();
    let outcome = import(&b, &contents, OnConflict::Skip);
    let acme_outcome = outcome.iter().find(|o| o.name == "acme").unwrap();
    assert_eq!(
        (acme_outcome.tally.created, acme_outcome.tally.skipped),
        (0, 1)
    );
    assert_eq!(acme(&b).display_name.as_deref(), Some("changed"));
}

/// A file with one defect, and the problem it must be refused for.
fn problem(edit: impl Fn(&mut Contents)) -> Problem {
    let mut contents = through_a_file(&source(1), None);
    edit(&mut contents);
    match check::check(&contents).unwrap_err() {
        Refusal::Invalid { problem, .. } => problem,
        other => panic!("{other}"),
    }
}

fn acme_of(c: &mut Contents) -> &mut RealmRecords {
    c.realms
        .iter_mut()
        .find(|r| r.realm.name == "acme")
        .unwrap()
}

#[test]
fn each_defect_of_a_file_is_its_own_problem() {
    let nil = uuid::Uuid::nil();
    let user_id = |c: &mut Contents| acme_of(c).users[0].id;
    assert_eq!(
        problem(|c| {
            let id = user_id(c);
            acme_of(c).clients[0].id = id;
        }),
        Problem::DuplicateId(
            through_a_file(&source(1), None)
                .realms
                .iter()
                .find(|r| r.realm.name == "acme")
                .unwrap()
                .users[0]
                .id
        )
    );
    assert_eq!(
        problem(|c| {
            let mut twin = acme_of(c).users[0].clone();
            twin.id = nil;
            acme_of(c).users.push(twin);
        }),
        Problem::DuplicateName
    );
    assert_eq!(
        problem(|c| acme_of(c).users[0].password_hash =
            Some(crate::secret::PasswordHash::new("$1$md5"))),
        Problem::BadPasswordHash
    );
    assert_eq!(
        problem(|c| acme_of(c).clients[0].secret_hash =
            Some(crate::hash::TokenHash::from_stored("ABC".into()))),
        Problem::BadSecretHash
    );
    assert_eq!(
        problem(|c| acme_of(c).user_roles.push(crate::model::UserRole {
            id: nil,
            realm_id: nil,
            user_id: nil,
            role_id: nil,
        })),
        Problem::UnknownReference {
            field: "userId",
            id: nil
        }
    );
    assert!(matches!(
        problem(
            |c| acme_of(c).keys[0].private_key = crate::secret::PrivateKeyDer::new("enc:v1:AAAA")
        ),
        Problem::BadKey(_)
    ));
    assert_eq!(
        problem(|c| acme_of(c).users[0].name = "bad\u{0}name".into()),
        Problem::BadName("the name must be 1 to 128 characters without control characters".into())
    );
    assert!(matches!(
        problem(|c| c.realms.retain(|r| r.realm.name != "master")),
        Problem::BadBootstrap(_)
    ));
}

#[test]
fn a_file_of_another_shape_or_version_is_refused_before_its_records() {
    let good = serde_json::to_value(ExportFile::new(
        &export::export(&source(1), None).unwrap(),
        NOW,
    ))
    .unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let bytes = serde_json::to_vec(&good).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            bytes[..bytes.len() - 10].to_vec(),
            "the file cannot be read whole: EOF while parsing",
        ),
        (b"[]".to_vec(), "the file cannot be read whole"),
        (
            with(&|v| v["format"] = "keycloak".into()),
            "this is not a Portcullis export (\"format\" is \"keycloak\",",
        ),
        (
            with(&|v| v["version"] = 2.into()),
            "export version 2 is not supported",
        ),
        // A newer version's field is named as a version, not as a field.
        (
            with(&|v| {
                v["version"] = 2.into();
                v["novelty"] = 1.into();
            }),
            "export version 2",
        ),
        (
            with(&|v| v["novelty"] = 1.into()),
            "the file cannot be read whole: unknown field `novelty`",
        ),
        (
            with(&|v| v["realms"][0]["keys"][0]["algorithm"] = "HS256".into()),
            "the file cannot be read whole: unknown algorithm \"HS256\"",
        ),
    ];
    for (input, start) in cases {
        let refusal = check::parse(&input).unwrap_err().to_string();
        assert!(refusal.starts_with(start), "{refusal}");
    }
}

#[test]
fn secrets_in_the_file_print_redacted() {
    assert_eq!(
        format!("{:?}", FileSecret::new("$argon2id$v=19$...")),
        "FileSecret([redacted])"
    );
}

#[test]
fn a_realm_imported_before_the_first_bootstrap_leaves_bootstrap_whole() {
    let contents = through_a_file(&source(1), Some("acme"));
    let b = MemoryStore::new();
    import(&b, &contents, OnConflict::Fail);
    let h = hasher();
    let mut rng = SeededEntropy::new(3);
    let report =
        provision::bootstrap(&b, &h, "admin", &Password::new("start123"), NOW, &mut rng).unwrap();
    assert!(report.admin_created);
    assert!(report.moved_permissions.is_empty());
    let permissions = b.list_permissions().unwrap();
    assert_eq!(permissions.len(), provision::built_in_permissions().len());
    let admin_role = report.record.admin_role_id.unwrap();
    let held: Vec<crate::model::RolePermission> = export::in_realm(&b, report.realm.id).unwrap();
    assert_eq!(
        held.iter().filter(|g| g.role_id == admin_role).count(),
        permissions.len(),
        "master's admin holds every permission, the imported ones included"
    );
}
