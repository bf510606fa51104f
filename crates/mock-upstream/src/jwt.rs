//! JWT-shaped tokens with the claim layout of OpenAI's auth server (upstream.md §4.3).
//!
//! Signatures are an HMAC over the signing input with the mock's secret: nobody verifies
//! them (the Codex CLI only decodes the payload), but they keep the three-part shape honest.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::util::{hmac_sha256, random_token};

/// OAuth client id of the Codex CLI; the token endpoint accepts only this one.
pub const CODEX_CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";

/// Claim key of the auth namespace (contains dots: read it as an object key, not a path).
pub const AUTH_CLAIM: &str = "https://api.openai.com/auth";
/// Claim key of the profile namespace.
pub const PROFILE_CLAIM: &str = "https://api.openai.com/profile";

/// Who a token is about.
pub(crate) struct Subject<'a> {
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub email: &'a str,
    pub plan: &'a str,
}

fn auth_claims(s: &Subject<'_>) -> Value {
    json!({
        "chatgpt_account_id": s.account_id,
        "chatgpt_user_id": s.user_id,
        "user_id": s.user_id,
        "chatgpt_plan_type": s.plan,
    })
}

fn sign(secret: &[u8], payload: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"mock-upstream"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let input = format!("{header}.{body}");
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, input.as_bytes()));
    format!("{input}.{sig}")
}

/// An access token: `exp`, `iat`, profile and auth namespaces; `jti` keeps two tokens issued
/// in the same second distinct.
pub(crate) fn access_token(secret: &[u8], s: &Subject<'_>, iat: i64, exp: i64) -> String {
    sign(
        secret,
        &json!({
            "iss": "https://auth.openai.com",
            "aud": ["https://api.openai.com/v1"],
            "client_id": CODEX_CLIENT_ID,
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "jti": random_token(12),
            "scp": ["openid", "profile", "email", "offline_access"],
            "sub": format!("auth0|{}", s.user_id),
            PROFILE_CLAIM: {"email": s.email, "email_verified": true},
            AUTH_CLAIM: auth_claims(s),
        }),
    )
}

/// An id token: top-level `email` plus the same namespaces.
pub(crate) fn id_token(secret: &[u8], s: &Subject<'_>, iat: i64, exp: i64) -> String {
    sign(
        secret,
        &json!({
            "iss": "https://auth.openai.com",
            "aud": [CODEX_CLIENT_ID],
            "iat": iat,
            "exp": exp,
            "auth_time": iat,
            "sub": format!("auth0|{}", s.user_id),
            "email": s.email,
            "email_verified": true,
            PROFILE_CLAIM: {"email": s.email, "email_verified": true},
            AUTH_CLAIM: auth_claims(s),
        }),
    )
}

/// Decodes the payload of a JWT-shaped token without verifying anything, like the Codex CLI.
pub fn decode_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip() {
        let s = Subject {
            account_id: "acc",
            user_id: "user-1",
            email: "a@b.c",
            plan: "plus",
        };
        let t = access_token(b"k", &s, 10, 20);
        assert_eq!(t.split('.').count(), 3);
        assert!(!t.contains('='));
        let c = decode_claims(&t).unwrap();
        assert_eq!(c["exp"], 20);
        assert_eq!(c[AUTH_CLAIM]["chatgpt_account_id"], "acc");
        let id = decode_claims(&id_token(b"k", &s, 10, 20)).unwrap();
        assert_eq!(id["email"], "a@b.c");
        assert_eq!(id[PROFILE_CLAIM]["email"], "a@b.c");
    }
}
