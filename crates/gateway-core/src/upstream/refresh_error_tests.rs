use super::*;

fn terminal(status: u16, body: &str) -> TerminalReason {
    match classify_failure(status, body.as_bytes()) {
        RefreshError::Terminal { reason, status: s } => {
            assert_eq!(s, status);
            reason
        }
        other => panic!("expected terminal for {status} {body}, got {other:?}"),
    }
}

#[test]
fn cli_test_bodies() {
    // The shapes of codex-rs login/tests/suite/auth_refresh.rs.
    let expired = r#"{"error":{"code":"refresh_token_expired"}}"#;
    assert_eq!(terminal(401, expired), TerminalReason::RefreshTokenExpired);
    let reused = r#"{"error":{"code":"refresh_token_reused"}}"#;
    assert_eq!(terminal(400, reused), TerminalReason::RefreshTokenReused);
    assert_eq!(terminal(401, reused), TerminalReason::RefreshTokenReused);
    let e = classify_failure(500, br#"{"error":"temporary-failure"}"#);
    assert_eq!(
        e,
        RefreshError::Transient {
            status: Some(500),
            message: "HTTP 500 (temporary-failure)".into()
        }
    );
    assert!(e.is_retryable());
}

#[test]
fn code_extraction_order_and_case() {
    let code = |s: &str| error_code(&serde_json::from_str(s).unwrap());
    assert_eq!(
        code(r#"{"error":{"code":"Refresh_Token_Reused"}}"#).as_deref(),
        Some("refresh_token_reused")
    );
    assert_eq!(
        code(r#"{"error":"invalid_grant","code":"x"}"#).as_deref(),
        Some("invalid_grant")
    );
    assert_eq!(
        code(r#"{"code":"TOKEN_INVALIDATED"}"#).as_deref(),
        Some("token_invalidated")
    );
    // `error` is an object without a code: top-level `code` is the fallback.
    assert_eq!(
        code(r#"{"error":{"message":"m"},"code":"c"}"#).as_deref(),
        Some("c")
    );
    assert_eq!(code(r#"{"message":"nothing"}"#), None);
}

#[test]
fn reason_mapping_of_scheduling_10_4() {
    let cases = [
        ("refresh_token_reused", TerminalReason::RefreshTokenReused),
        (
            "refresh_token_invalidated",
            TerminalReason::RefreshTokenInvalidated,
        ),
        ("token_invalidated", TerminalReason::RefreshTokenInvalidated),
        ("refresh_token_expired", TerminalReason::RefreshTokenExpired),
        ("invalid_grant", TerminalReason::RefreshTokenRevoked),
        ("access_denied", TerminalReason::RefreshTokenRevoked),
    ];
    for (code, reason) in cases {
        assert_eq!(
            terminal(400, &format!(r#"{{"error":"{code}"}}"#)),
            reason,
            "{code}"
        );
        assert_eq!(
            terminal(403, &format!(r#"{{"error":{{"code":"{code}"}}}}"#)),
            reason
        );
    }
}

#[test]
fn oauth_style_invalid_grant_is_revoked() {
    let body = r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#;
    assert_eq!(terminal(400, body), TerminalReason::RefreshTokenRevoked);
}

#[test]
fn body_text_matches_when_no_code_does() {
    let body = r#"{"error":{"message":"Your session has ended. Please sign in again."}}"#;
    assert_eq!(terminal(400, body), TerminalReason::RefreshTokenRevoked);
    assert_eq!(
        terminal(400, "plain text: REFRESH_TOKEN_REUSED"),
        TerminalReason::RefreshTokenReused
    );
    // A code we do not know does not hide a terminal string in the description.
    let body = r#"{"error":"weird","error_description":"token_invalidated upstream"}"#;
    assert_eq!(terminal(400, body), TerminalReason::RefreshTokenInvalidated);
}

#[test]
fn client_rejection_is_not_the_accounts_fault() {
    for (status, body) in [
        (
            401,
            r#"{"error":"invalid_client","error_description":"Unknown client_id"}"#,
        ),
        (400, r#"{"error":{"code":"unauthorized_client"}}"#),
        (400, "unauthorized_client"),
    ] {
        match classify_failure(status, body.as_bytes()) {
            RefreshError::ClientRejected { code, status: s } => {
                assert!(CLIENT_CODES.contains(&code.as_str()));
                assert_eq!(s, status);
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    let e = classify_failure(401, br#"{"error":"invalid_client"}"#);
    assert!(!e.is_retryable());
    assert_eq!(e.terminal_reason(), None);
}

#[test]
fn unexplained_401_is_invalidated() {
    assert_eq!(terminal(401, ""), TerminalReason::RefreshTokenInvalidated);
    assert_eq!(
        terminal(401, "<html>Unauthorized</html>"),
        TerminalReason::RefreshTokenInvalidated
    );
    assert_eq!(
        terminal(401, r#"{"error":{"code":"token_expired"}}"#),
        TerminalReason::RefreshTokenInvalidated
    );
}

#[test]
fn transient_statuses_and_retryability() {
    let t = |status: u16, body: &str| classify_failure(status, body.as_bytes());
    assert!(t(429, r#"{"error":{"code":"rate_limit_exceeded"}}"#).is_retryable());
    assert!(t(502, "<html>502 Bad Gateway</html>").is_retryable());
    assert!(t(503, "").is_retryable());
    assert!(t(408, "").is_retryable());
    let other = t(
        400,
        r#"{"error":"invalid_request","error_description":"x"}"#,
    );
    assert_eq!(
        other,
        RefreshError::Transient {
            status: Some(400),
            message: "HTTP 400 (invalid_request)".into()
        }
    );
    assert!(!other.is_retryable());
    let transport = RefreshError::Transient {
        status: None,
        message: "timed out".into(),
    };
    assert!(transport.is_retryable());
}

#[test]
fn messages_never_echo_body_text() {
    let secret = "rt_SECRETSECRETSECRETSECRETSECRETSECRETSECRET";
    let body = format!(r#"{{"error":"server said {secret} is odd"}}"#);
    let e = classify_failure(500, body.as_bytes());
    assert_eq!(e.to_string(), "token refresh failed: HTTP 500");
    // Even a token-shaped "code" is dropped: codes are short identifiers.
    let body = format!(r#"{{"error":{{"code":"{secret}"}}}}"#);
    let e = classify_failure(503, body.as_bytes());
    assert_eq!(e.to_string(), "token refresh failed: HTTP 503");
    assert!(!format!("{e:?}").to_lowercase().contains("secret"));
}
