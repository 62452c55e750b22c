//! The audit trail of the protocol endpoints, read through the admin API: logins (failed ones
//! with the name given), issued tokens per grant with their actor, and refresh-token reuse; no
//! password in any event.

use serde_json::Value;

use crate::support::fixture;

#[actix_web::test]
async fn protocol_events_are_audited() {
    let fx = fixture().with_audit();
    let app = fx.api().await;
    let api = app.admin().await;
    let bad = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "wrong"),
    ];
    assert_eq!(app.token("master", &bad).await.status, 400);
    let (client_id, secret) = fx.client(
        "master",
        oauth_core::provision::NewClient {
            name: "svc".into(),
            ..Default::default()
        },
    );
    let issued = app
        .client_token("master", &client_id, secret.as_deref().unwrap())
        .await;
    assert_eq!(issued.status, 200);
    let login = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ];
    let tokens = app.token("master", &login).await.json;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let rotate = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(app.token("master", &rotate).await.status, 200);
    assert_eq!(app.token("master", &rotate).await.status, 400, "replay");

    let expected = [
        ("login", true, 2),
        ("login", false, 1),
        ("token_issued", true, 4), // repeats within a write batch fold into one counted record
        ("refresh_reuse", false, 1),
    ];
    // The audit writer is a background thread: poll (bounded) until its batches are written.
    let mut events = Value::Null;
    for _ in 0..100 {
        events = api.get("/events?page[limit]=100&sort=createdAt").await.json;
        let counted: u64 = events["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["count"].as_u64().unwrap_or(0))
            .sum();
        if counted >= 8 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let all = events["data"].as_array().unwrap();
    for (name, success, count) in expected {
        let found: u64 = all
            .iter()
            .filter(|e| e["name"] == name && e["success"] == success)
            .map(|e| e["count"].as_u64().unwrap())
            .sum();
        assert_eq!(found, count, "{name} {success}: {events}");
    }
    let failed = all
        .iter()
        .find(|e| e["name"] == "login" && e["success"] == false)
        .unwrap();
    assert_eq!(failed["actorId"], "admin", "the name given is recorded");
    let mut issued: Vec<&str> = all
        .iter()
        .filter(|e| e["name"] == "token_issued")
        .flat_map(|e| {
            let n = e["count"].as_u64().unwrap() as usize;
            std::iter::repeat_n(e["detail"].as_str().unwrap(), n)
        })
        .collect();
    issued.sort_unstable();
    assert_eq!(
        issued,
        [
            "client_credentials",
            "password",
            "password",
            "refresh_token"
        ]
    );
    let cc = all
        .iter()
        .find(|e| e["detail"] == "client_credentials")
        .unwrap();
    assert_eq!(
        (cc["actorType"].as_str(), cc["actorId"].as_str()),
        (Some("client"), Some(client_id.as_str()))
    );
    assert!(!events.to_string().contains("wrong") && !events.to_string().contains("start123"));
}
