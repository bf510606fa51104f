//! `OAuthClient` against `mock-upstream`'s token endpoint: rotation, reuse detection, the
//! failure classes of upstream.md §4.1 / scheduling.md §10.4, and the PKCE code exchange.

use std::time::{SystemTime, UNIX_EPOCH};

use gateway_core::upstream::jwt::AccountIdentity;
use gateway_core::upstream::login::{PkceCodes, DEFAULT_REDIRECT_URI};
use gateway_core::upstream::oauth::{
    ExchangeError, OAuthClient, RefreshError, TerminalReason, CODEX_CLIENT_ID,
};
use mock_upstream::{FaultKind, FaultRule, MockConfig, MockUpstream, UnknownRefreshReply};

fn now() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

async fn mock() -> std::io::Result<MockUpstream> {
    MockUpstream::start(MockConfig::default()).await
}

fn client(mock: &MockUpstream) -> OAuthClient {
    OAuthClient::new(reqwest::Client::new(), mock.oauth_token_url())
}

/// The reason and status of a terminal failure; anything else comes back as text, so a
/// failing assertion shows what happened instead.
fn terminal<T: std::fmt::Debug>(
    result: Result<T, RefreshError>,
) -> Result<(TerminalReason, u16), String> {
    match result {
        Err(RefreshError::Terminal { reason, status }) => Ok((reason, status)),
        other => Err(format!("{other:?}")),
    }
}

#[tokio::test]
async fn refresh_rotates_and_a_replay_is_reused() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(Some("pro"));
    let oauth = client(&mock);

    let first = oauth.refresh(&account.refresh_token).await.unwrap();
    let rotated = first.refresh_token.clone().expect("the mock rotates");
    assert_ne!(rotated, account.refresh_token);
    assert_ne!(first.access_token, account.access_token);
    // Expiry from the new access token's `exp` (the mock's TTL is one hour).
    assert!(
        (first.expires_at - (now() + 3600)).abs() <= 5,
        "{}",
        first.expires_at
    );
    let who = AccountIdentity::from_tokens(first.id_token.as_deref(), Some(&first.access_token));
    assert_eq!(
        who.chatgpt_account_id.as_deref(),
        Some(account.account_id.as_str())
    );
    assert_eq!(who.user_id.as_deref(), Some(account.user_id.as_str()));
    assert_eq!(who.email.as_deref(), Some(account.email.as_str()));
    assert_eq!(who.plan_type.as_deref(), Some("pro"));

    // The old token died with the rotation: a replay is a lost race, never retried.
    let replay = oauth.refresh(&account.refresh_token).await;
    assert_eq!(
        terminal(replay),
        Ok((TerminalReason::RefreshTokenReused, 401))
    );
    assert_eq!(mock.refresh_reuse_count(&account.account_id), 1);

    // The rotated one keeps the chain going.
    let second = oauth.refresh(&rotated).await.unwrap();
    assert_ne!(second.refresh_token.as_deref(), Some(rotated.as_str()));
    assert_eq!(mock.refresh_count(&account.account_id), 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn refresh_sends_exactly_the_cli_body() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(None);
    client(&mock)
        .refresh(&format!(" {} \n", account.refresh_token))
        .await
        .unwrap();
    let log = mock.request_log();
    let sent = log.iter().rev().find(|r| r.path == "/oauth/token").unwrap();
    assert_eq!(sent.method, "POST");
    assert!(sent
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let body = sent.body.as_ref().unwrap().as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["client_id", "grant_type", "refresh_token"]);
    assert_eq!(body["client_id"], CODEX_CLIENT_ID);
    assert_eq!(body["grant_type"], "refresh_token");
    assert_eq!(body["refresh_token"], account.refresh_token.as_str());
    mock.shutdown().await;
}

#[tokio::test]
async fn unknown_token_is_invalidated() {
    let mock = mock().await.unwrap();
    let result = client(&mock).refresh("rt_never_issued").await;
    assert_eq!(
        terminal(result),
        Ok((TerminalReason::RefreshTokenInvalidated, 401))
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn oauth_style_invalid_grant_is_revoked() {
    let config = MockConfig {
        unknown_refresh_reply: UnknownRefreshReply::InvalidGrant,
        ..MockConfig::default()
    };
    let mock = MockUpstream::start(config).await.unwrap();
    let result = client(&mock).refresh("rt_never_issued").await;
    assert_eq!(
        terminal(result),
        Ok((TerminalReason::RefreshTokenRevoked, 400))
    );

    // The same body as an injected fault on a live token.
    let account = mock.seed_account(None);
    mock.inject_fault(FaultRule::always(FaultKind::RefreshInvalidGrant).times(1));
    let result = client(&mock).refresh(&account.refresh_token).await;
    assert_eq!(
        terminal(result),
        Ok((TerminalReason::RefreshTokenRevoked, 400))
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_throttling_are_transient_and_retryable() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(None);
    let oauth = client(&mock);
    for (fault, status) in [
        (FaultKind::RefreshServerError, 500),
        (FaultKind::RefreshRateLimited, 429),
    ] {
        mock.inject_fault(
            FaultRule::always(fault)
                .for_account(&account.account_id)
                .times(1),
        );
        let err = oauth.refresh(&account.refresh_token).await.unwrap_err();
        assert!(
            matches!(&err, RefreshError::Transient { status: Some(s), .. } if *s == status),
            "{err:?}"
        );
        assert!(err.is_retryable());
        assert!(!err.to_string().contains(&account.refresh_token));
    }
    // A transient failure did not consume the token: the retry succeeds.
    let tokens = oauth.refresh(&account.refresh_token).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(mock.refresh_reuse_count(&account.account_id), 0);
    mock.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_id_is_a_client_rejection() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(None);
    let oauth = client(&mock).with_client_id("app_not_codex");
    match oauth.refresh(&account.refresh_token).await {
        Err(RefreshError::ClientRejected { code, status }) => {
            assert_eq!((code.as_str(), status), ("invalid_client", 401));
        }
        other => panic!("{other:?}"),
    }
    // Not the account's fault: its token still works with the right client.
    client(&mock).refresh(&account.refresh_token).await.unwrap();
    mock.shutdown().await;
}

#[tokio::test]
async fn transport_failure_is_transient_without_status() {
    // Bind then drop a listener: nothing accepts on that port any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/oauth/token", listener.local_addr().unwrap());
    drop(listener);
    let oauth = OAuthClient::new(reqwest::Client::new(), url);
    let err = oauth
        .refresh("rt_secret_value_that_must_not_leak")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RefreshError::Transient { status: None, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!format!("{err} {err:?}").contains("rt_secret"));
}

#[tokio::test]
async fn code_exchange_with_pkce() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(Some("team"));
    let pkce = PkceCodes::generate();
    let code = mock
        .mint_authorization_code(
            &account.account_id,
            &pkce.challenge,
            Some(DEFAULT_REDIRECT_URI),
        )
        .unwrap();
    let oauth = client(&mock);

    let tokens = oauth
        .exchange_code(&code, DEFAULT_REDIRECT_URI, &pkce.verifier)
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    let who = AccountIdentity::from_tokens(tokens.id_token.as_deref(), Some(&tokens.access_token));
    assert_eq!(
        who.chatgpt_account_id.as_deref(),
        Some(account.account_id.as_str())
    );
    assert_eq!(who.plan_type.as_deref(), Some("team"));

    let sent = mock
        .request_log()
        .into_iter()
        .rev()
        .find(|r| r.path == "/oauth/token")
        .unwrap();
    assert!(sent
        .header("content-type")
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    let body = sent.body.unwrap();
    assert_eq!(body["grant_type"], "authorization_code");
    assert_eq!(body["redirect_uri"], DEFAULT_REDIRECT_URI);
    assert_eq!(body["client_id"], CODEX_CLIENT_ID);
    assert_eq!(body["code_verifier"], pkce.verifier.as_str());

    // Codes are single-use.
    let again = oauth
        .exchange_code(&code, DEFAULT_REDIRECT_URI, &pkce.verifier)
        .await;
    assert_eq!(
        again,
        Err(ExchangeError::Rejected {
            status: 400,
            code: Some("invalid_grant".into())
        })
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn code_exchange_refuses_a_wrong_verifier() {
    let mock = mock().await.unwrap();
    let account = mock.seed_account(None);
    let pkce = PkceCodes::generate();
    let code = mock
        .mint_authorization_code(&account.account_id, &pkce.challenge, None)
        .unwrap();
    let other = PkceCodes::generate();
    let result = client(&mock)
        .exchange_code(&code, DEFAULT_REDIRECT_URI, &other.verifier)
        .await;
    assert!(
        matches!(result, Err(ExchangeError::Rejected { status: 400, .. })),
        "{result:?}"
    );
    mock.shutdown().await;
}
