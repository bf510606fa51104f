//! The §9 table of scheduling.md and the auth codes of admin-api.md §2, in both shapes.

use super::*;

async fn parts(err: ApiError, flavor: Flavor) -> (u16, Option<String>, Value) {
    let resp = err.render(flavor);
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap_or_default();
    (
        status,
        retry,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn upstream(status: Option<u16>, kind: UpstreamErrorKind) -> ApiError {
    RelayError::Upstream(UpstreamError {
        status,
        kind,
        message: Some("bad thing".into()),
    })
    .into()
}

#[tokio::test]
async fn pool_outcomes_have_the_documented_shapes() {
    let (s, retry, body) = parts(RelayError::Pool(PoolError::Busy).into(), Flavor::OpenAi).await;
    assert_eq!((s, retry.as_deref()), (503, Some("2")));
    assert_eq!(body["error"]["code"], "account_pool_busy");
    assert_eq!(body["error"]["type"], "server_error");
    let (s, retry, body) = parts(
        RelayError::Pool(PoolError::NoAccounts).into(),
        Flavor::Anthropic,
    )
    .await;
    assert_eq!((s, retry.as_deref()), (503, Some("30")));
    assert_eq!(body["error"]["type"], "overloaded_error");
    let exhausted = RelayError::Pool(PoolError::Exhausted {
        retry_after_secs: Some(120),
    });
    let (s, retry, body) = parts(exhausted.into(), Flavor::OpenAi).await;
    assert_eq!(s, 429);
    assert!(retry.unwrap().parse::<u64>().unwrap() <= 120);
    assert_eq!(body["error"]["type"], "usage_limit_reached");
    assert!(body["error"]["resets_in_seconds"].as_u64().is_some());
}

#[tokio::test]
async fn last_attempt_outcomes() {
    let (s, _, body) = parts(
        upstream(Some(401), UpstreamErrorKind::Unauthorized),
        Flavor::OpenAi,
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (503, Some("account_pool_unavailable")),
        "account 401s never reach clients as 401"
    );
    let (s, _, body) = parts(
        upstream(Some(503), UpstreamErrorKind::Overloaded),
        Flavor::OpenAi,
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (503, Some("server_error")),
        "never the shed code"
    );
    let (s, _, body) = parts(
        upstream(Some(500), UpstreamErrorKind::ServerError),
        Flavor::Anthropic,
    )
    .await;
    assert_eq!(
        (s, body["error"]["type"].as_str()),
        (502, Some("api_error"))
    );
    let (s, _, body) = parts(upstream(None, UpstreamErrorKind::Timeout), Flavor::OpenAi).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (504, Some("upstream_timeout"))
    );
    let (s, retry, body) = parts(
        upstream(
            Some(429),
            UpstreamErrorKind::RateLimited {
                retry_after: Some(7),
            },
        ),
        Flavor::OpenAi,
    )
    .await;
    assert_eq!(
        (s, retry.as_deref(), body["error"]["code"].as_str()),
        (429, Some("7"), Some("rate_limit_exceeded"))
    );
    let (s, _, body) = parts(
        upstream(Some(400), UpstreamErrorKind::BadRequest),
        Flavor::OpenAi,
    )
    .await;
    assert_eq!(
        (s, body["error"]["message"].as_str()),
        (400, Some("bad thing"))
    );
    let (s, _, body) = parts(
        RelayError::Stream(UpstreamFailure::stream_break("cut")).into(),
        Flavor::Anthropic,
    )
    .await;
    assert_eq!(
        (s, body["error"]["type"].as_str()),
        (502, Some("overloaded_error"))
    );
}

#[tokio::test]
async fn auth_and_limit_codes() {
    let cases = [
        (KeyAuthError::Missing, 401, "missing_api_key"),
        (KeyAuthError::Invalid, 401, "invalid_api_key"),
        (KeyAuthError::Expired, 401, "invalid_auth"),
        (KeyAuthError::QuotaExhausted, 429, "rate_limit_reached"),
        (KeyAuthError::NotConfigured, 503, "service_unavailable"),
        (KeyAuthError::Store, 503, "service_unavailable"),
    ];
    for (err, status, code) in cases {
        let (s, _, body) = parts(err.into(), Flavor::OpenAi).await;
        assert_eq!((s, body["error"]["code"].as_str()), (status, Some(code)));
    }
    let (s, retry, body) = parts(LimitRefusal::KeyConcurrency.into(), Flavor::Anthropic).await;
    assert_eq!(
        (s, retry.as_deref(), body["error"]["type"].as_str()),
        (429, Some("1"), Some("rate_limit_error"))
    );
    assert_eq!(
        Flavor::of_path("/v1/messages/count_tokens"),
        Flavor::Anthropic
    );
    assert_eq!(Flavor::of_path("/messages"), Flavor::Anthropic);
    assert_eq!(Flavor::of_path("/v1/responses"), Flavor::OpenAi);
}
