//! The wire dialect's table tests.

use serde_json::json;

use super::*;

#[test]
fn keys_convert_both_ways() {
    for (camel_key, snake_key) in [
        ("createdAt", "created_at"),
        ("realmId", "realm_id"),
        ("name", "name"),
        ("idTokenSignedResponseAlg", "id_token_signed_response_alg"),
    ] {
        assert_eq!(snake(camel_key), snake_key);
        assert_eq!(camel(snake_key), camel_key);
    }
}

#[test]
fn timestamps_are_iso8601_with_milliseconds_and_parse_back() {
    assert_eq!(
        iso8601(1_796_040_000).as_deref(),
        Some("2026-11-30T12:00:00.000Z")
    );
    assert_eq!(
        parse_iso8601("2026-11-30T12:00:00.000Z"),
        Some(1_796_040_000)
    );
    assert_eq!(
        parse_iso8601("2026-11-30T13:00:00+01:00"),
        Some(1_796_040_000)
    );
    assert_eq!(parse_iso8601("yesterday"), None);
}

#[test]
fn current_keeps_camel_case_and_wraps_single_records() {
    let view = json!({"id": "x", "realmId": "r", "createdAt": 1_796_040_000, "count": 3});
    assert_eq!(
        single(Compat::Current, view),
        json!({"data": {"id": "x", "realmId": "r", "createdAt": "2026-11-30T12:00:00.000Z", "count": 3}})
    );
}

#[test]
fn beta26_answers_bare_snake_case_records() {
    let view =
        json!({"id": "x", "realmId": "r", "updatedAt": 1_796_040_000, "realm": {"builtIn": true}});
    assert_eq!(
        single(Compat::Beta26, view),
        json!({"id": "x", "realm_id": "r", "updated_at": "2026-11-30T12:00:00.000Z", "realm": {"built_in": true}})
    );
}

fn normalized(body: serde_json::Value) -> Result<serde_json::Value, String> {
    normalize_body(
        body.to_string().as_bytes(),
        &["description", "nameLocked", "avatar"],
    )
    .map(|bytes| serde_json::from_slice(&bytes).unwrap())
    .map_err(|e| e.to_string())
}

#[test]
fn snake_case_input_is_renamed_and_unmodelled_authup_fields_dropped() {
    assert_eq!(
        normalized(
            json!({"display_name": "D", "realm_id": "r", "name_locked": true, "avatar": null})
        ),
        Ok(json!({"displayName": "D", "realmId": "r"}))
    );
    assert_eq!(
        normalized(json!({"description": "a resource's own ignored field"})),
        Ok(json!({}))
    );
}

#[test]
fn a_field_in_both_spellings_is_refused() {
    assert!(normalized(json!({"display_name": "a", "displayName": "b"})).is_err());
}

#[test]
fn unknown_fields_reach_the_strict_parser() {
    assert_eq!(
        normalized(json!({"colour": "red"})),
        Ok(json!({"colour": "red"}))
    );
}

#[test]
fn a_policy_is_accepted_only_when_null() {
    assert_eq!(normalized(json!({"policy_id": null})), Ok(json!({})));
    assert_eq!(
        normalized(json!({"policy_id": "p"})),
        Ok(json!({"policyId": "p"}))
    );
}

#[test]
fn is_confidential_reads_as_auth_method_unless_given() {
    assert_eq!(
        normalized(json!({"is_confidential": false})),
        Ok(json!({"authMethod": "none"}))
    );
    assert_eq!(
        normalized(json!({"is_confidential": true})),
        Ok(json!({"authMethod": "secret"}))
    );
    assert_eq!(
        normalized(json!({"is_confidential": false, "authMethod": "secret"})),
        Ok(json!({"authMethod": "secret"}))
    );
}
