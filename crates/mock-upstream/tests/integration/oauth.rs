//! Token endpoint: rotation, reuse refusal and counting, unknown tokens, PKCE code exchange.

use mock_upstream::{
    decode_claims, pkce_challenge, MockConfig, UnknownRefreshReply, AUTH_CLAIM, CODEX_CLIENT_ID,
    PROFILE_CLAIM,
};
use serde_json::{json, Value};

use crate::common::{body, client, error_code, post, start, start_with};

async fn refresh(url: &str, token: &str) -> (u16, Value) {
    let r = client()
        .post(url)
        .json(&json!({"client_id": CODEX_CLIENT_ID, "grant_type": "refresh_token", "refresh_token": token}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn refresh_rotates_and_refuses_reuse() {
    let (mock, acc) = start().await;
    let url = mock.oauth_token_url();
    let (status, first) = refresh(&url, &acc.refresh_token).await;
    assert_eq!(status, 200);
    let new_rt = first["refresh_token"].as_str().unwrap();
    assert_ne!(new_rt, acc.refresh_token, "rotated");

    let at = first["access_token"].as_str().unwrap();
    assert_eq!(at.split('.').count(), 3);
    let claims = decode_claims(at).unwrap();
    assert_eq!(
        claims[AUTH_CLAIM]["chatgpt_account_id"],
        acc.account_id.as_str()
    );
    assert_eq!(claims[AUTH_CLAIM]["chatgpt_plan_type"], "plus");
    assert_eq!(claims[PROFILE_CLAIM]["email"], acc.email.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let id = decode_claims(first["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(id["email"], acc.email.as_str());
    assert_eq!(id[AUTH_CLAIM]["chatgpt_user_id"], acc.user_id.as_str());
    assert_eq!(id[AUTH_CLAIM]["user_id"], acc.user_id.as_str());

    // The new access token works upstream.
    assert_eq!(post(&mock, at, &body("hi")).await.status(), 200);

    // Replaying the old refresh token is refused and counted, twice.
    for n in 1..=2 {
        let (status, err) = refresh(&url, &acc.refresh_token).await;
        assert_eq!(status, 401);
        assert_eq!(error_code(&err), "refresh_token_reused");
        assert_eq!(err["error"]["type"], "invalid_request_error");
        assert_eq!(mock.refresh_reuse_count(&acc.account_id), n);
    }
    // The rotated token still works once.
    let (status, second) = refresh(&url, new_rt).await;
    assert_eq!(status, 200);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(mock.refresh_count(&acc.account_id), 2);

    // The same counters over the control API.
    let c: Value = client()
        .get(format!("{}/counters", mock.control_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["accounts"][&acc.account_id]["refresh_reuse_count"], 2);
    assert_eq!(c["accounts"][&acc.account_id]["refresh_count"], 2);
}

#[tokio::test]
async fn refresh_accepts_form_bodies_and_checks_client_id() {
    let (mock, acc) = start().await;
    let form = format!(
        "grant_type=refresh_token&client_id={CODEX_CLIENT_ID}&refresh_token={}",
        acc.refresh_token
    );
    let r = client()
        .post(mock.oauth_token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client()
        .post(mock.oauth_token_url())
        .json(&json!({"client_id": "other", "grant_type": "refresh_token", "refresh_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
}

#[tokio::test]
async fn unknown_refresh_token_replies_are_configurable() {
    let (mock, _) = start().await;
    let (status, v) = refresh(&mock.oauth_token_url(), "rt_nope").await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&v), "refresh_token_invalidated");

    let config = MockConfig {
        unknown_refresh_reply: UnknownRefreshReply::InvalidGrant,
        ..MockConfig::default()
    };
    let (mock, _) = start_with(config).await;
    let (status, v) = refresh(&mock.oauth_token_url(), "rt_nope").await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "invalid_grant");
}

#[tokio::test]
async fn configured_token_ttl_is_the_exp() {
    let config = MockConfig {
        access_token_ttl: std::time::Duration::from_secs(120),
        ..MockConfig::default()
    };
    let (_mock, acc) = start_with(config).await;
    let c = decode_claims(&acc.access_token).unwrap();
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
}

async fn exchange(url: &str, code: &str, verifier: &str) -> (u16, Value) {
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&client_id={CODEX_CLIENT_ID}&code_verifier={verifier}"
    );
    let r = client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn authorization_code_exchange_with_pkce() {
    let (mock, acc) = start().await;
    let verifier = "a-very-long-verifier-value-0123456789-abcdefghijklmnop";
    let redirect = "http://localhost:1455/auth/callback";
    let code = mock
        .mint_authorization_code(&acc.account_id, &pkce_challenge(verifier), Some(redirect))
        .unwrap();
    let (status, v) = exchange(&mock.oauth_token_url(), &code, "wrong-verifier").await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")));

    // A failed attempt burns the code, like a real one-time code.
    let (status, _) = exchange(&mock.oauth_token_url(), &code, verifier).await;
    assert_eq!(status, 400);

    // Minted over the control API this time.
    let minted: Value = client()
        .post(format!("{}/auth-codes", mock.control_url()))
        .json(
            &json!({"account_id": acc.account_id, "code_challenge": pkce_challenge(verifier),
                      "redirect_uri": redirect}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = minted["code"].as_str().unwrap();
    let (status, v) = exchange(&mock.oauth_token_url(), code, verifier).await;
    assert_eq!(status, 200);
    for k in ["access_token", "id_token", "refresh_token"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    let id = decode_claims(v["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(
        id[AUTH_CLAIM]["chatgpt_account_id"],
        acc.account_id.as_str()
    );
    let (status, _) = exchange(&mock.oauth_token_url(), code, verifier).await;
    assert_eq!(status, 400, "codes are single-use");
    let (status, _) = refresh(
        &mock.oauth_token_url(),
        v["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
}
