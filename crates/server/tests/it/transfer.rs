//! `portcullis export` and `portcullis import` on the real binary: a database moved from SQLite to
//! PostgreSQL and back is the same realm to the admin API, its bcrypt user logs in and is
//! rehashed, its confidential client keeps its secret and its keys keep signing; importing the
//! same file again changes nothing; a file that cannot be read whole, of another version, or that
//! conflicts with the database is refused with one line and nothing is written.

use std::path::{Path, PathBuf};
use std::process::Command;

use oauth_core::model::User;
use oauth_core::secret::PasswordHash;
use portcullis_server::state::{DatabaseUrl, open_store};
use serde_json::{Value, json};

use crate::support::{Db, Server, cli, http};

const BIN: &str = env!("CARGO_BIN_EXE_portcullis");

/// The admin API resources compared after a move (all of the format's records).
const RESOURCES: [&str; 12] = [
    "/realms",
    "/users",
    "/clients",
    "/roles",
    "/permissions",
    "/scopes",
    "/keys",
    "/user-roles",
    "/role-permissions",
    "/user-permissions",
    "/client-permissions",
    "/client-scopes",
];

/// Runs `portcullis` on `db`; answers (exit success, stdout, stderr).
fn run(db: &Db, dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .current_dir(dir)
        .env("PORTCULLIS_DATABASE__URL", db.url())
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `portcullis export` (to `--output`), answered as the file's path and JSON.
fn export(db: &Db, dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, Value) {
    let path = dir.join(name);
    let mut args = vec!["export", "--output", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (ok, _, stderr) = run(db, dir, &args);
    assert!(ok, "export: {stderr}");
    let value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (path, value)
}

/// `portcullis import FILE`; answers its JSON report.
fn import(db: &Db, dir: &Path, file: &Path) -> Value {
    let (ok, stdout, stderr) = run(db, dir, &["import", file.to_str().unwrap()]);
    assert!(ok, "import: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// The report's line for realm `name`.
fn realm_report<'a>(report: &'a Value, name: &str) -> &'a Value {
    let realms = report["realms"].as_array().unwrap();
    realms.iter().find(|r| r["name"] == name).unwrap()
}

/// The file without what differs between two exports of the same records (when it was taken).
fn timeless(mut file: Value) -> Value {
    file["exportedAt"] = Value::Null;
    file
}

fn admin_token(base: &str) -> String {
    let tokens: Value = http()
        .post(format!("{base}/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

fn post(base: &str, token: &str, path: &str, body: Value) -> Value {
    let resp = http()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201, "{path}");
    resp.json::<Value>().unwrap()["data"].clone()
}

/// Every record the admin API lists, resource by resource, sorted by id.
fn admin_view(base: &str, token: &str) -> Vec<(String, Vec<Value>)> {
    let mut view = Vec::new();
    for prefix in ["", "/realms/acme"] {
        for resource in RESOURCES {
            // Permissions belong to no realm: listed at the root only.
            if prefix.is_empty() || !matches!(resource, "/realms" | "/permissions") {
                let path = format!("{prefix}{resource}");
                let resp = http()
                    .get(format!("{base}{path}?page[limit]=1000"))
                    .bearer_auth(token)
                    .send()
                    .unwrap();
                assert_eq!(resp.status(), 200, "{path}");
                let body: Value = resp.json().unwrap();
                let mut items = body["data"].as_array().unwrap().clone();
                items.sort_by_key(|i| i["id"].as_str().unwrap_or_default().to_owned());
                view.push((path, items));
            }
        }
    }
    view
}

/// A realm `acme` with a confidential and a public client, a user with an Argon2id password and
/// one with Authup's bcrypt hash, a role, a permission, a scope and every assignment kind.
/// Answers the confidential client's id and secret.
fn populate(db: &Db, dir: &Path, server: &Server) -> (String, String) {
    cli(db, dir, &["realm", "create", "--name", "acme"], None);
    let svc = cli(
        db,
        dir,
        &["client", "create", "--realm", "acme", "--name", "svc"],
        None,
    );
    cli(
        db,
        dir,
        &[
            "client",
            "create",
            "--realm",
            "acme",
            "--name",
            "spa",
            "--public",
            "--redirect-uri",
            "https://app.example/cb",
        ],
        None,
    );
    let bob = cli(
        db,
        dir,
        &[
            "user",
            "create",
            "--realm",
            "acme",
            "--name",
            "bob",
            "--password-stdin",
        ],
        Some("bob-password-123\n"),
    );
    let (store, _) = open_store(&DatabaseUrl::parse(&db.url()).unwrap(), 1).unwrap();
    let acme = store.find_realm_by_name("acme").unwrap().unwrap();
    store
        .create_user(&User {
            id: uuid::Uuid::from_u128(0x6361_726f_6c00_4000_8000_0000_0000_0002),
            realm_id: acme.id,
            name: "carol".into(),
            display_name: Some("Carol from Authup".into()),
            first_name: None,
            last_name: None,
            email: Some("carol@example.com".into()),
            email_verified: true,
            password_hash: Some(PasswordHash::new(
                bcrypt::hash("moving-in-from-authup", 4).unwrap(),
            )),
            active: true,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
        })
        .unwrap();
    let base = &server.base;
    let t = admin_token(base);
    let svc_id = svc["id"].as_str().unwrap().to_owned();
    let bob_id = bob["id"].as_str().unwrap().to_owned();
    let role = post(base, &t, "/realms/acme/roles", json!({"name": "editor"}));
    let permission = post(
        base,
        &t,
        "/permissions",
        json!({"name": "doc_edit", "description": "edit docs"}),
    );
    let scope = post(
        base,
        &t,
        "/realms/acme/scopes",
        json!({"name": "docs:read"}),
    );
    let (role, permission, scope) = (&role["id"], &permission["id"], &scope["id"]);
    for (path, body) in [
        ("/user-roles", json!({"userId": bob_id, "roleId": role})),
        (
            "/role-permissions",
            json!({"roleId": role, "permissionId": permission}),
        ),
        (
            "/user-permissions",
            json!({"userId": bob_id, "permissionId": permission}),
        ),
        (
            "/client-permissions",
            json!({"clientId": svc_id, "permissionId": permission}),
        ),
        (
            "/client-scopes",
            json!({"clientId": svc_id, "scopeId": scope}),
        ),
    ] {
        post(base, &t, path, body);
    }
    let secret = svc["secret"].as_str().unwrap().to_owned();
    (svc_id, secret)
}

fn stored_hash(db: &Db, realm: &str, name: &str) -> String {
    let (store, _) = open_store(&DatabaseUrl::parse(&db.url()).unwrap(), 1).unwrap();
    let realm = store.find_realm_by_name(realm).unwrap().unwrap();
    let user = store.find_user_by_name(realm.id, name).unwrap().unwrap();
    user.password_hash.unwrap().secret().to_owned()
}

fn client_credentials(base: &str, id: &str, secret: &str) -> reqwest::StatusCode {
    http()
        .post(format!("{base}/realms/acme/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap()
        .status()
}

fn a_database_moves_whole(source: Db, target: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (src_dir, dst_dir) = (dir.path().join("src"), dir.path().join("dst"));
    std::fs::create_dir_all(&src_dir).unwrap();
    std::fs::create_dir_all(&dst_dir).unwrap();
    let src = Server::start(&source, &src_dir);
    let (svc_id, secret) = populate(&source, &src_dir, &src);
    let (file, exported) = export(&source, &src_dir, "all.json", &[]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the export file is readable by its owner only");

    // Into a database that has only been migrated: everything is new, bootstrap record included.
    let (ok, _, stderr) = run(&target, &dst_dir, &["migrate"]);
    assert!(ok, "{stderr}");
    let report = import(&target, &dst_dir, &file);
    let realms = report["realms"].as_array().unwrap();
    assert_eq!(realms.len(), 2, "{report}");
    assert!(
        realms
            .iter()
            .all(|r| r["created"].as_u64() > Some(0) && r["unchanged"] == 0 && r["skipped"] == 0),
        "{report}"
    );
    let again = export(&target, &dst_dir, "again.json", &[]).1;
    assert_eq!(timeless(again.clone()), timeless(exported.clone()));

    // The same file again: nothing new, nothing conflicting, nothing changed.
    let report = import(&target, &dst_dir, &file);
    for realm in report["realms"].as_array().unwrap() {
        assert_eq!(
            (&realm["created"], &realm["skipped"]),
            (&json!(0), &json!(0)),
            "{report}"
        );
        assert!(realm["unchanged"].as_u64() > Some(0), "{report}");
    }
    let twice = export(&target, &dst_dir, "twice.json", &[]).1;
    assert_eq!(timeless(twice), timeless(again.clone()));

    // The admin API answers the same on both, for every resource.
    let dst = Server::start(&target, &dst_dir);
    let src_view = admin_view(&src.base, &admin_token(&src.base));
    let dst_view = admin_view(&dst.base, &admin_token(&dst.base));
    assert!(src_view.iter().all(|(_, items)| !items.is_empty()));
    for ((path, a), (_, b)) in src_view.iter().zip(&dst_view) {
        assert_eq!(a, b, "{path}");
    }
    assert_eq!(
        crate::support::jwks(&src.base),
        crate::support::jwks(&dst.base)
    );

    // The client keeps its secret; the bcrypt user logs in and is rehashed to Argon2id.
    assert_eq!(client_credentials(&dst.base, &svc_id, &secret), 200);
    assert!(stored_hash(&target, "acme", "carol").starts_with("$2b$"));
    let login = http()
        .post(format!("{}/realms/acme/token", dst.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "carol"),
            ("password", "moving-in-from-authup"),
        ])
        .send()
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(stored_hash(&target, "acme", "carol").starts_with("$argon2id$"));

    // Carol's record changed since the export: the file no longer matches it. The default policy
    // refuses, writing nothing; `skip` keeps the database's record (her new hash).
    let (ok, _, stderr) = run(&target, &dst_dir, &["import", file.to_str().unwrap()]);
    assert!(!ok, "a record changed since the export: refused");
    let said = stderr.lines().filter(|l| l.starts_with("portcullis: "));
    assert_eq!(said.count(), 1, "{stderr}");
    assert!(
        stderr.contains("realm \"acme\", user \"carol\""),
        "{stderr}"
    );
    let (ok, stdout, stderr) = run(
        &target,
        &dst_dir,
        &["import", "--on-conflict", "skip", file.to_str().unwrap()],
    );
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(realm_report(&report, "acme")["skipped"], 1, "{report}");
    assert!(stored_hash(&target, "acme", "carol").starts_with("$argon2id$"));
}

#[test]
fn a_database_moves_whole_from_sqlite_to_postgres() {
    let dir = tempfile::tempdir().unwrap();
    a_database_moves_whole(Db::sqlite(dir.path()), Db::postgres());
}

#[test]
fn a_database_moves_whole_from_postgres_to_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_database_moves_whole(Db::postgres(), Db::sqlite(dir.path()));
}

/// The refused files: each is the good file with one defect, and the defect the one line names.
fn refused_files(good: &Value, whole: &Value) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let bytes = serde_json::to_vec_pretty(good).unwrap();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    vec![
        (
            "cut short",
            bytes[..bytes.len() / 2].to_vec(),
            "the file cannot be read whole: EOF while parsing",
        ),
        (
            "not JSON",
            String::from_utf8(bytes.clone())
                .unwrap()
                .replacen(':', ";", 3)
                .into_bytes(),
            "the file cannot be read whole",
        ),
        (
            "another version",
            edit(&|v| v["version"] = json!(2)),
            "export version 2 is not supported (this build reads version 1)",
        ),
        (
            "not an export",
            br#"{"realms": []}"#.to_vec(),
            "this is not a Portcullis export",
        ),
        (
            "an unknown field",
            edit(&|v| v["realms"][0]["users"][0]["isAdmin"] = json!(true)),
            "unknown field `isAdmin`",
        ),
        (
            "a password hash this server cannot verify",
            edit(&|v| v["realms"][0]["users"][0]["passwordHash"] = json!("hunter2")),
            "passwordHash is not an Argon2 or bcrypt hash",
        ),
        (
            "an assignment naming a role not in the file",
            edit(&|v| {
                v["realms"][0]["userRoles"][0]["roleId"] = json!(uuid::Uuid::nil());
            }),
            "roleId 00000000-0000-0000-0000-000000000000 is not in this realm in the file",
        ),
        (
            "a sealed key and no key-encryption key",
            edit(&|v| v["realms"][0]["keys"][0]["privateKey"] = json!("enc:v1:AAAA")),
            "the key is sealed and no keys.encryption_key is configured",
        ),
        (
            "master, which the target bootstrapped with another id (acme alone would import)",
            serde_json::to_vec(whole).unwrap(),
            "realm \"master\": the database has a realm of this name with another id",
        ),
    ]
}

fn a_file_it_cannot_read_whole_is_refused_and_nothing_is_written(target: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (src_dir, dst_dir) = (dir.path().join("src"), dir.path().join("dst"));
    std::fs::create_dir_all(&src_dir).unwrap();
    std::fs::create_dir_all(&dst_dir).unwrap();
    let source = Db::sqlite(&src_dir);
    {
        let src = Server::start(&source, &src_dir);
        populate(&source, &src_dir, &src);
    }
    let (_, good) = export(&source, &src_dir, "acme.json", &["--realm", "acme"]);
    let (_, whole) = export(&source, &src_dir, "all.json", &[]);
    let (ok, _, stderr) = run(&target, &dst_dir, &["bootstrap"]);
    assert!(ok, "{stderr}");
    let before = timeless(export(&target, &dst_dir, "before.json", &[]).1);
    for (case, bytes, line) in refused_files(&good, &whole) {
        let path = dst_dir.join("case.json");
        std::fs::write(&path, bytes).unwrap();
        let (ok, stdout, stderr) = run(&target, &dst_dir, &["import", path.to_str().unwrap()]);
        assert!(!ok, "{case}: imported: {stdout}");
        assert!(stdout.is_empty(), "{case}: {stdout}");
        // One line for the operator (the log may carry the same error as a record of its own).
        let said: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("portcullis: "))
            .collect();
        assert_eq!(said.len(), 1, "{case}: one line: {stderr}");
        assert!(said[0].contains(line), "{case}: {stderr}");
        assert!(
            said[0].ends_with("nothing was imported"),
            "{case}: {stderr}"
        );
        assert!(
            stderr
                .lines()
                .all(|l| l.starts_with("portcullis: ") || l.contains(" ERROR ")),
            "{case}: nothing else: {stderr}"
        );
        let after = timeless(export(&target, &dst_dir, "after.json", &[]).1);
        assert_eq!(after, before, "{case}: the database changed");
    }
    // The good file itself imports: each refusal was its defect's.
    let report = import(&target, &dst_dir, &dst_dir.join("../src/acme.json"));
    assert!(realm_report(&report, "acme")["created"].as_u64() > Some(0));
}

#[test]
fn a_file_it_cannot_read_whole_is_refused_and_nothing_is_written_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_file_it_cannot_read_whole_is_refused_and_nothing_is_written(Db::sqlite(dir.path()));
}

#[test]
fn a_file_it_cannot_read_whole_is_refused_and_nothing_is_written_on_postgres() {
    a_file_it_cannot_read_whole_is_refused_and_nothing_is_written(Db::postgres());
}
