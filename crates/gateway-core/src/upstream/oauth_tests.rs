use serde_json::json;

use super::*;
use crate::upstream::jwt::test_jwt;

const NOW: i64 = 1_768_473_000;

#[test]
fn expiry_comes_from_the_access_jwt_first() {
    let at = test_jwt(&json!({"exp": NOW + 864_000}));
    let body =
        json!({"access_token": at, "refresh_token": "rt_new", "id_token": "id", "expires_in": 60});
    let t = TokenSet::from_response(body.to_string().as_bytes(), NOW).unwrap();
    assert_eq!(t.expires_at, NOW + 864_000);
    assert_eq!(t.refresh_token.as_deref(), Some("rt_new"));
    assert_eq!(t.id_token.as_deref(), Some("id"));
}

#[test]
fn expiry_falls_back_to_expires_in_then_one_hour() {
    let body = json!({"access_token": "at-opaque", "expires_in": "7200"});
    let t = TokenSet::from_response(body.to_string().as_bytes(), NOW).unwrap();
    assert_eq!(t.expires_at, NOW + 7200);
    let body = json!({"access_token": "at-opaque"});
    let t = TokenSet::from_response(body.to_string().as_bytes(), NOW).unwrap();
    assert_eq!(t.expires_at, NOW + DEFAULT_ACCESS_TTL_SECS);
}

#[test]
fn empty_or_absent_refresh_token_keeps_the_old_one() {
    for body in [
        json!({"access_token": "a", "refresh_token": ""}),
        json!({"access_token": "a"}),
    ] {
        let t = TokenSet::from_response(body.to_string().as_bytes(), NOW).unwrap();
        assert_eq!(t.refresh_token, None);
        assert_eq!(t.refresh_token_or("rt_old"), "rt_old");
    }
    let body = json!({"access_token": "a", "refresh_token": "rt_new"});
    let t = TokenSet::from_response(body.to_string().as_bytes(), NOW).unwrap();
    assert_eq!(t.refresh_token_or("rt_old"), "rt_new");
}

#[test]
fn access_token_is_required() {
    let err = |b: &str| TokenSet::from_response(b.as_bytes(), NOW).unwrap_err();
    assert_eq!(
        err(r#"{"refresh_token":"x"}"#),
        MalformedTokenResponse::NoAccessToken
    );
    assert_eq!(
        err(r#"{"access_token":"  "}"#),
        MalformedTokenResponse::NoAccessToken
    );
    assert_eq!(err("<html>"), MalformedTokenResponse::NotJson);
    assert_eq!(err("[]"), MalformedTokenResponse::NotJson);
}

#[test]
fn debug_redacts_every_token() {
    let t = TokenSet {
        access_token: "eyJ.ACCESS.SECRET".into(),
        refresh_token: Some("rt_REFRESH_SECRET".into()),
        id_token: Some("eyJ.ID.SECRET".into()),
        expires_at: NOW,
    };
    let shown = format!("{t:?} {t:#?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("Some(<redacted>)"));
    assert!(shown.contains(&NOW.to_string()));
    let none = TokenSet {
        refresh_token: None,
        id_token: None,
        ..t
    };
    assert!(format!("{none:?}").contains("refresh_token: None"));
}

#[test]
fn exchange_errors_read_well() {
    let e = ExchangeError::Rejected {
        status: 400,
        code: Some("invalid_grant".into()),
    };
    assert_eq!(
        e.to_string(),
        "authorization code rejected (HTTP 400, invalid_grant)"
    );
    let e = ExchangeError::Unavailable {
        status: 503,
        code: None,
    };
    assert_eq!(e.to_string(), "token endpoint unavailable (HTTP 503)");
}
