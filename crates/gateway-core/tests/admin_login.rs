//! In-app login through the admin API: the authorize URL carries PKCE and state, a pasted
//! callback URL finishes the login against the mock's code exchange, and the local callback
//! listener finishes it without any pasting.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use mock_upstream::{MockConfig, MockUpstream};
use serde_json::{json, Value};

const SECRET: &str = "login-admin-secret-1";

async fn setup() -> (common::TestGateway, MockUpstream, reqwest::Client) {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let (up, oauth) = (mock.upstream_base_url(), mock.oauth_token_url());
    let gw = common::start(move |c| {
        c.admin_secret = Some(gateway_core::secrets::SecretString::new(SECRET));
        c.upstream_base_url = up;
        c.oauth_token_url = oauth;
    })
    .await;
    (gw, mock, reqwest::Client::new())
}

async fn post(
    http: &reqwest::Client,
    gw: &common::TestGateway,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = http
        .post(format!("{}/api/admin{path}", gw.base_url))
        .bearer_auth(SECRET)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn query(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn pasted_callback_url_adds_the_account() {
    let (gw, mock, http) = setup().await;
    let who = mock.seed_account(Some("pro"));
    let (s, started) = post(
        &http,
        &gw,
        "/oauth/generate-auth-url",
        json!({"listen": false}),
    )
    .await;
    assert_eq!(s, 200, "{started}");
    assert_eq!(started["callback_listener"], false);
    let auth_url = started["auth_url"].as_str().unwrap();
    assert!(
        auth_url.starts_with("https://auth.openai.com/oauth/authorize?"),
        "{auth_url}"
    );
    let q = query(auth_url);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["redirect_uri"], "http://localhost:1455/auth/callback");
    assert!(q["scope"].contains("offline_access"));
    let session = started["session_id"].as_str().unwrap().to_owned();

    let code = mock
        .mint_authorization_code(
            &who.account_id,
            &q["code_challenge"],
            Some(&q["redirect_uri"]),
        )
        .unwrap();
    let wrong = format!("http://localhost:1455/auth/callback?code={code}&state=not-the-state");
    let (s, err) = post(
        &http,
        &gw,
        "/oauth/exchange-code",
        json!({"session_id": session, "callback_url": wrong}),
    )
    .await;
    assert_eq!(
        (s, err["code"].as_str()),
        (400, Some("invalid_callback")),
        "{err}"
    );

    let pasted = format!(
        "http://localhost:1455/auth/callback?code={code}&state={}",
        q["state"]
    );
    let (s, done) = post(
        &http,
        &gw,
        "/oauth/exchange-code",
        json!({"session_id": session, "callback_url": pasted}),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["account"]["email"], who.email.as_str());
    assert_eq!(done["account"]["plan_type"], "pro");
    assert_eq!(done["account"]["credential_kind"], "refresh_token");
    let polled: Value = http
        .get(format!(
            "{}/api/admin/oauth/poll-callback?session_id={session}",
            gw.base_url
        ))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["status"], "completed");
    assert_eq!(polled["account_id"], done["account"]["id"]);

    let (s, missing) = post(
        &http,
        &gw,
        "/oauth/exchange-code",
        json!({"session_id": "nope", "code": "x"}),
    )
    .await;
    assert_eq!(
        (s, missing["code"].as_str()),
        (404, Some("login_not_found"))
    );
    gw.stop().await;
}

#[tokio::test]
async fn the_local_listener_finishes_the_login() {
    let (gw, mock, http) = setup().await;
    let who = mock.seed_account(None);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://localhost:{port}/auth/callback");
    let (_, started) = post(
        &http,
        &gw,
        "/oauth/generate-auth-url",
        json!({"redirect_uri": redirect, "listen": true}),
    )
    .await;
    assert_eq!(started["callback_listener"], true, "{started}");
    let q = query(started["auth_url"].as_str().unwrap());
    let code = mock
        .mint_authorization_code(&who.account_id, &q["code_challenge"], Some(&redirect))
        .unwrap();
    let page = http
        .get(format!(
            "http://127.0.0.1:{port}/auth/callback?code={code}&state={}",
            q["state"]
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Signed in"), "{page}");
    let session = started["session_id"].as_str().unwrap();
    let polled: Value = http
        .get(format!(
            "{}/api/admin/oauth/poll-callback?session_id={session}",
            gw.base_url
        ))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["status"], "completed", "{polled}");
    gw.stop().await;
}
