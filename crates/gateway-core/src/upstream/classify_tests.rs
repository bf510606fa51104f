//! Error classification against the bodies the backend (and the project's mock) send.

use super::*;

const NOW: i64 = 1_767_000_000;

fn kind(status: u16, body: &str) -> UpstreamErrorKind {
    classify(status, body, None, NOW)
}

#[test]
fn usage_limit_reads_resets_at_at_every_path_and_any_status() {
    let top = r#"{"error":{"type":"usage_limit_reached","message":"m","plan_type":"plus","resets_at":1767225600,"resets_in_seconds":4210}}"#;
    assert_eq!(
        kind(429, top),
        UpstreamErrorKind::UsageLimit {
            resets_at: Some(1_767_225_600)
        }
    );
    let nested = r#"{"response":{"error":{"type":"usage_limit_reached","resets_in_seconds":60}}}"#;
    assert_eq!(
        kind(500, nested),
        UpstreamErrorKind::UsageLimit {
            resets_at: Some(NOW + 60)
        }
    );
    let details = r#"{"response":{"status_details":{"error":{"type":"usage_limit_reached"}}}}"#;
    assert_eq!(
        kind(503, details),
        UpstreamErrorKind::UsageLimit { resets_at: None }
    );
}

#[test]
fn plain_429_is_a_burst_limit_with_retry_after() {
    let body = r#"{"error":{"message":"Rate limit reached. Please try again in 20s.","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}"#;
    assert_eq!(
        kind(429, body),
        UpstreamErrorKind::RateLimited {
            retry_after: Some(20)
        }
    );
    assert_eq!(
        classify(429, body, Some(3), NOW),
        UpstreamErrorKind::RateLimited {
            retry_after: Some(3)
        }
    );
    let ms = r#"{"error":{"message":"try again in 350ms"}}"#;
    assert_eq!(
        kind(429, ms),
        UpstreamErrorKind::RateLimited {
            retry_after: Some(1)
        }
    );
    assert_eq!(
        kind(429, "{}"),
        UpstreamErrorKind::RateLimited { retry_after: None }
    );
}

#[test]
fn auth_and_permission_statuses() {
    let invalidated = r#"{"error":{"code":"token_invalidated","type":"invalid_request_error"}}"#;
    assert_eq!(kind(401, invalidated), UpstreamErrorKind::Unauthorized);
    let scope =
        r#"{"error":{"message":"Missing scopes: api.responses.write","code":"missing_scope"}}"#;
    assert_eq!(kind(401, scope), UpstreamErrorKind::RequestUnauthorized);
    assert_eq!(
        kind(402, r#"{"detail":{"code":"deactivated_workspace"}}"#),
        UpstreamErrorKind::WorkspaceDeactivated
    );
    assert_eq!(
        kind(402, r#"{"detail":"Payment required"}"#),
        UpstreamErrorKind::PaymentRequired
    );
    let region = r#"{"error":{"code":"unsupported_country_region_territory"}}"#;
    assert_eq!(kind(403, region), UpstreamErrorKind::EgressBlocked);
    assert_eq!(
        kind(403, "<html>Forbidden</html>"),
        UpstreamErrorKind::Forbidden
    );
}

#[test]
fn capacity_shed_on_503_and_inside_other_statuses() {
    let body =
        r#"{"error":{"type":"server_error","code":"server_is_overloaded","message":"busy"}}"#;
    assert_eq!(kind(503, body), UpstreamErrorKind::Overloaded);
    assert_eq!(
        kind(429, r#"{"error":{"code":"slow_down"}}"#),
        UpstreamErrorKind::Overloaded
    );
    assert!(UpstreamErrorKind::Overloaded.is_failover());
}

#[test]
fn request_side_400s() {
    let model = r#"{"detail":"The 'gpt-4o' model is not supported when using Codex with a ChatGPT account."}"#;
    assert_eq!(kind(400, model), UpstreamErrorKind::ModelUnsupported);
    assert_eq!(
        kind(400, r#"{"detail":"unknown provider for model x"}"#),
        UpstreamErrorKind::ModelUnsupported
    );
    let enc = r#"{"error":{"code":"invalid_encrypted_content","message":"could not decrypt"}}"#;
    assert_eq!(kind(400, enc), UpstreamErrorKind::InvalidEncryptedContent);
    assert_eq!(
        kind(400, r#"{"detail":"Unsupported parameter: temperature"}"#),
        UpstreamErrorKind::BadRequest
    );
    assert_eq!(
        kind(400, r#"{"error":{"code":"cyber_policy"}}"#),
        UpstreamErrorKind::CyberPolicy
    );
    assert!(!UpstreamErrorKind::BadRequest.is_failover());
    assert!(!UpstreamErrorKind::CyberPolicy.is_failover());
    assert_eq!(kind(408, ""), UpstreamErrorKind::Timeout);
}

#[test]
fn server_errors_including_html_bodies() {
    for status in [500, 502, 503, 504] {
        assert_eq!(
            kind(status, "<html><h1>502 Bad Gateway</h1></html>"),
            UpstreamErrorKind::ServerError
        );
    }
    assert!(UpstreamErrorKind::ServerError.is_failover());
}

#[test]
fn outcomes_feed_the_scheduler() {
    assert_eq!(
        UpstreamErrorKind::UsageLimit { resets_at: Some(5) }.outcome(),
        AttemptOutcome::UsageLimit { resets_at: Some(5) }
    );
    assert_eq!(
        UpstreamErrorKind::Transport.outcome(),
        AttemptOutcome::Transport
    );
    assert_eq!(
        UpstreamErrorKind::Overloaded.outcome(),
        AttemptOutcome::Overloaded
    );
    assert_eq!(
        UpstreamErrorKind::Forbidden.outcome(),
        AttemptOutcome::Forbidden
    );
    assert_eq!(
        UpstreamErrorKind::WorkspaceDeactivated.outcome(),
        AttemptOutcome::WorkspaceOff
    );
    assert_eq!(
        UpstreamErrorKind::PaymentRequired.outcome(),
        AttemptOutcome::PaymentRequired
    );
    assert_eq!(
        UpstreamErrorKind::EgressBlocked.outcome(),
        AttemptOutcome::EgressBlocked
    );
}

#[test]
fn safe_message_never_shows_html_or_unknown_shapes() {
    assert_eq!(
        safe_message(r#"{"detail":"Unsupported parameter: n"}"#).as_deref(),
        Some("Unsupported parameter: n")
    );
    assert_eq!(
        safe_message(r#"{"error":{"message":"bad\nthing"}}"#).as_deref(),
        Some("badthing")
    );
    assert_eq!(safe_message("<html>oops</html>"), None);
    assert_eq!(safe_message(r#"{"error":{"message":"  "}}"#), None);
}
