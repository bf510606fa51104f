use serde_json::json;

use super::*;

const NOW: i64 = 1_768_473_000; // 2026-01-15T10:30:00Z

fn id_token(email: &str, account: &str, user: &str, plan: &str) -> String {
    test_jwt(&json!({
        "iss": "https://auth.openai.com",
        "aud": ["app_EMoamEEZ73f0CkXaXp7hrann"],
        "sub": format!("auth0|{user}"),
        "email": email,
        "email_verified": true,
        "iat": NOW - 60,
        "exp": NOW + 3600,
        AUTH_CLAIM: {
            "chatgpt_account_id": account,
            "chatgpt_user_id": user,
            "user_id": "user-legacy-id",
            "chatgpt_plan_type": plan,
            "chatgpt_subscription_active_until": "2026-06-01T00:00:00+00:00",
            "organizations": [{"id": "org-1", "is_default": true, "role": "owner"}],
        },
    }))
}

fn access_token(email: &str, account: &str, user: &str, plan: &str, exp: i64) -> String {
    test_jwt(&json!({
        "aud": ["https://api.openai.com/v1"],
        "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
        "exp": exp,
        "iat": NOW - 60,
        "scp": ["openid", "profile", "email", "offline_access"],
        PROFILE_CLAIM: {"email": email, "email_verified": true},
        AUTH_CLAIM: {
            "chatgpt_account_id": account,
            "chatgpt_user_id": user,
            "chatgpt_plan_type": plan,
        },
    }))
}

#[test]
fn decodes_namespaced_claims_of_an_id_token() {
    let c = decode_claims(&id_token("a@example.com", "ws-1", "user-abc", "plus")).unwrap();
    assert_eq!(c.email.as_deref(), Some("a@example.com"));
    assert_eq!(c.chatgpt_account_id.as_deref(), Some("ws-1"));
    // chatgpt_user_id wins over user_id.
    assert_eq!(c.user_id.as_deref(), Some("user-abc"));
    assert_eq!(c.plan_type.as_deref(), Some("plus"));
    assert_eq!(c.subscription_active_until, Some(1_780_272_000));
    assert_eq!(c.exp, Some(NOW + 3600));
    assert_eq!(c.is_fedramp, None);
}

#[test]
fn access_token_email_comes_from_the_profile_namespace() {
    let c = decode_claims(&access_token("b@example.com", "ws-2", "u2", "pro", NOW)).unwrap();
    assert_eq!(c.email.as_deref(), Some("b@example.com"));
    assert_eq!(c.exp, Some(NOW));
}

#[test]
fn user_id_falls_back_and_fedramp_is_read() {
    let t = test_jwt(&json!({AUTH_CLAIM: {"user_id": "u-9", "chatgpt_account_is_fedramp": true}}));
    let c = decode_claims(&t).unwrap();
    assert_eq!(c.user_id.as_deref(), Some("u-9"));
    assert_eq!(c.is_fedramp, Some(true));
}

#[test]
fn dotted_keys_are_object_keys_not_paths() {
    // A nested `https://api` → `openai` → … path must not be mistaken for the claim.
    let t =
        test_jwt(&json!({"https://api": {"openai": {"com/auth": {"chatgpt_account_id": "x"}}}}));
    assert_eq!(decode_claims(&t).unwrap().chatgpt_account_id, None);
}

#[test]
fn user_prefixed_workspace_ids_are_dropped() {
    let t = test_jwt(&json!({AUTH_CLAIM: {"chatgpt_account_id": "user-xyz"}}));
    assert_eq!(decode_claims(&t).unwrap().chatgpt_account_id, None);
}

#[test]
fn padded_payloads_are_tolerated_and_garbage_is_refused() {
    let t = test_jwt(&json!({"email": "p@example.com", "x": 1}));
    let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let padding = (4 - parts[1].len() % 4) % 4;
    parts[1].push_str(&"=".repeat(padding));
    assert_eq!(
        decode_claims(&parts.join(".")).unwrap().email.as_deref(),
        Some("p@example.com")
    );
    assert_eq!(decode_payload("abc"), Err(JwtError::NotJwt));
    assert_eq!(decode_payload("a..c"), Err(JwtError::NotJwt));
    assert_eq!(decode_payload("a.b.c.d"), Err(JwtError::NotJwt));
    assert_eq!(decode_payload("a.!!!.c"), Err(JwtError::Base64));
    assert_eq!(decode_payload("a.WzFd.c"), Err(JwtError::Json)); // `[1]`
}

#[test]
fn opaque_access_tokens_have_no_claims() {
    assert!(is_opaque_access_token("at-0123456789abcdef"));
    assert_eq!(
        decode_claims("at-0123456789abcdef"),
        Ok(TokenClaims::default())
    );
    let who = AccountIdentity::from_tokens_at(None, Some("at-0123456789abcdef"), NOW);
    assert_eq!(who, AccountIdentity::default());
    let key = who.identity_key(None, Some("at-0123456789abcdef")).unwrap();
    assert_eq!(
        key,
        format!("token:{}", token_fingerprint("at-0123456789abcdef"))
    );
}

#[test]
fn identity_prefers_the_id_token() {
    let id = id_token("id@example.com", "ws-id", "user-id", "team");
    let at = access_token("at@example.com", "ws-at", "user-at", "plus", NOW + 864_000);
    let who = AccountIdentity::from_tokens_at(Some(&id), Some(&at), NOW);
    assert_eq!(who.email.as_deref(), Some("id@example.com"));
    assert_eq!(who.chatgpt_account_id.as_deref(), Some("ws-id"));
    assert_eq!(who.user_id.as_deref(), Some("user-id"));
    assert_eq!(who.plan_type.as_deref(), Some("team"));
    assert_eq!(who.access_expires_at, Some(NOW + 864_000));
    assert!(who.email_workspace_trusted);
    assert_eq!(
        who.identity_key(Some("rt"), None).as_deref(),
        Some("acct:ws-id:user-id")
    );
}

#[test]
fn pair_comes_from_the_access_token_when_only_it_has_both() {
    let id = test_jwt(&json!({"email": "id@example.com"}));
    let at = access_token("at@example.com", "ws-at", "user-at", "plus", NOW + 60);
    let who = AccountIdentity::from_tokens_at(Some(&id), Some(&at), NOW);
    assert_eq!(who.email.as_deref(), Some("at@example.com"));
    assert_eq!(who.chatgpt_account_id.as_deref(), Some("ws-at"));
    assert!(who.email_workspace_trusted);
    // Gaps (the plan) are filled from the access token.
    assert_eq!(who.plan_type.as_deref(), Some("plus"));
}

#[test]
fn split_pair_is_filled_but_untrusted() {
    let id = test_jwt(&json!({"email": "id@example.com"}));
    let at =
        test_jwt(&json!({AUTH_CLAIM: {"chatgpt_account_id": "ws-at", "chatgpt_user_id": "u"}}));
    let who = AccountIdentity::from_tokens_at(Some(&id), Some(&at), NOW);
    assert_eq!(who.email.as_deref(), Some("id@example.com"));
    assert_eq!(who.chatgpt_account_id.as_deref(), Some("ws-at"));
    assert!(!who.email_workspace_trusted);
}

#[test]
fn stale_paid_plan_is_not_stored_but_free_is() {
    let stale = test_jwt(&json!({AUTH_CLAIM: {
        "chatgpt_plan_type": "pro",
        "chatgpt_subscription_active_until": "2025-12-31T00:00:00Z",
    }}));
    let who = AccountIdentity::from_tokens_at(Some(&stale), None, NOW);
    assert_eq!(who.plan_type, None);
    assert_eq!(who.subscription_active_until, Some(1_767_139_200));
    let free = test_jwt(&json!({AUTH_CLAIM: {
        "chatgpt_plan_type": "free",
        "chatgpt_subscription_active_until": "2025-12-31T00:00:00Z",
    }}));
    let who = AccountIdentity::from_tokens_at(Some(&free), None, NOW);
    assert_eq!(who.plan_type.as_deref(), Some("free"));
}

#[test]
fn stale_id_plan_does_not_fall_back_to_the_access_plan() {
    // The id token's plan is the known one; the access token repeats it with no end date.
    let id = test_jwt(&json!({AUTH_CLAIM: {
        "chatgpt_plan_type": "plus",
        "chatgpt_subscription_active_until": "2025-01-01T00:00:00Z",
    }}));
    let at = test_jwt(&json!({AUTH_CLAIM: {"chatgpt_plan_type": "plus"}}));
    let who = AccountIdentity::from_tokens_at(Some(&id), Some(&at), NOW);
    assert_eq!(who.plan_type, None);
}

#[test]
fn prolite_variants_behave_as_pro_but_keep_the_raw_value() {
    for raw in ["prolite", "pro_lite", "pro-lite", "ProLite"] {
        assert_eq!(effective_plan(raw), "pro");
    }
    assert_eq!(effective_plan("Plus"), "plus");
    let t = test_jwt(&json!({AUTH_CLAIM: {"chatgpt_plan_type": "pro_lite"}}));
    let who = AccountIdentity::from_tokens_at(Some(&t), None, NOW);
    assert_eq!(who.plan_type.as_deref(), Some("pro_lite"));
    assert_eq!(who.effective_plan().as_deref(), Some("pro"));
}

#[test]
fn identity_key_falls_back_to_a_token_hash() {
    let who = AccountIdentity {
        chatgpt_account_id: Some("ws".into()),
        ..Default::default()
    };
    let key = who
        .identity_key(Some("rt-secret"), Some("at-secret"))
        .unwrap();
    assert_eq!(key, format!("token:{}", token_fingerprint("rt-secret")));
    assert_eq!(key.len(), "token:".len() + 32);
    assert!(!key.contains("secret"));
    let key = who.identity_key(Some("  "), Some("at-secret")).unwrap();
    assert_eq!(key, format!("token:{}", token_fingerprint("at-secret")));
    assert_eq!(who.identity_key(None, None), None);
}

#[test]
fn fingerprint_is_sha256_prefix() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert_eq!(token_fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223");
}

#[test]
fn undecodable_tokens_contribute_nothing() {
    let at = access_token("at@example.com", "ws", "u", "plus", NOW + 10);
    let who = AccountIdentity::from_tokens_at(Some("garbage"), Some(&at), NOW);
    assert_eq!(who.chatgpt_account_id.as_deref(), Some("ws"));
}
