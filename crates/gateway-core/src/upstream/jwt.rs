//! Reads the claims of OpenAI's JWTs (id and access tokens) without verifying signatures,
//! as the Codex CLI does, and merges the two tokens into one account identity following
//! upstream.md §4.3.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::timestamp::{now_unix, parse_rfc3339, unix_seconds_from_number};

/// Claim key of the auth namespace. It contains dots: read it as one object key.
pub const AUTH_CLAIM: &str = "https://api.openai.com/auth";
/// Claim key of the profile namespace.
pub const PROFILE_CLAIM: &str = "https://api.openai.com/profile";
/// Prefix of opaque access tokens (`access_token_type=codex_at`): they carry no claims.
pub const OPAQUE_ACCESS_PREFIX: &str = "at-";

/// base64url, padding tolerated: the spec forbids it, but pasted tokens sometimes have it.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a token's payload could not be read. Never carries the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token is not a JWT (expected three dot-separated parts)")]
    NotJwt,
    #[error("JWT payload is not base64url")]
    Base64,
    #[error("JWT payload is not a JSON object")]
    Json,
}

/// The facts Switchyard reads from one token (upstream.md §4.3 table).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// Workspace id (→ `Chatgpt-Account-Id`); `user-…` ids are dropped (see `from_payload`).
    pub chatgpt_account_id: Option<String>,
    /// `chatgpt_user_id`, else `user_id` (the CLI's order).
    pub user_id: Option<String>,
    /// `chatgpt_plan_type`, raw.
    pub plan_type: Option<String>,
    /// `chatgpt_account_is_fedramp` (→ `X-OpenAI-Fedramp: true`).
    pub is_fedramp: Option<bool>,
    /// `chatgpt_subscription_active_until`, unix seconds.
    pub subscription_active_until: Option<i64>,
    /// Top-level `email`, else the profile namespace's `email`.
    pub email: Option<String>,
    /// Top-level `exp`, unix seconds.
    pub exp: Option<i64>,
}

impl TokenClaims {
    fn has_pair(&self) -> bool {
        self.email.is_some() && self.chatgpt_account_id.is_some()
    }
}

/// True for opaque `at-` access tokens, which have no readable claims or expiry.
pub fn is_opaque_access_token(token: &str) -> bool {
    token.trim().starts_with(OPAQUE_ACCESS_PREFIX)
}

/// True when the string has the shape of a JWT (three non-empty dot-separated parts).
pub fn looks_like_jwt(token: &str) -> bool {
    let mut parts = token.trim().split('.');
    let shaped = parts.by_ref().take(3).filter(|p| !p.is_empty()).count() == 3;
    shaped && parts.next().is_none()
}

/// Decodes the payload (second part) of a JWT into a JSON object. No signature check.
pub fn decode_payload(token: &str) -> Result<Map<String, Value>, JwtError> {
    if !looks_like_jwt(token) {
        return Err(JwtError::NotJwt);
    }
    let payload = token.trim().split('.').nth(1).ok_or(JwtError::NotJwt)?;
    let bytes = B64URL.decode(payload).map_err(|_| JwtError::Base64)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json),
    }
}

/// Decodes a token's claims. Opaque `at-` tokens yield empty claims, not an error.
pub fn decode_claims(token: &str) -> Result<TokenClaims, JwtError> {
    if is_opaque_access_token(token) {
        return Ok(TokenClaims::default());
    }
    decode_payload(token).map(|payload| TokenClaims::from_payload(&payload))
}

fn non_empty_str(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn timestamp(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            parse_rfc3339(s).or_else(|| s.trim().parse::<i64>().ok().map(unix_seconds_from_number))
        }
        _ => None,
    }
}

impl TokenClaims {
    /// Reads the claims from a decoded payload.
    pub fn from_payload(payload: &Map<String, Value>) -> Self {
        let auth = payload.get(AUTH_CLAIM).and_then(Value::as_object);
        let auth_field = |k: &str| auth.and_then(|a| a.get(k));
        let profile_email = payload
            .get(PROFILE_CLAIM)
            .and_then(Value::as_object)
            .and_then(|p| p.get("email"));
        // codex2api discards workspace ids starting with `user-`: they name a user, not a
        // workspace, and sending one as `Chatgpt-Account-Id` gets requests refused.
        let account_id =
            non_empty_str(auth_field("chatgpt_account_id")).filter(|id| !id.starts_with("user-"));
        let is_fedramp = match auth_field("chatgpt_account_is_fedramp") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
            _ => None,
        };
        Self {
            chatgpt_account_id: account_id,
            user_id: non_empty_str(auth_field("chatgpt_user_id"))
                .or_else(|| non_empty_str(auth_field("user_id"))),
            plan_type: non_empty_str(auth_field("chatgpt_plan_type")),
            is_fedramp,
            subscription_active_until: timestamp(auth_field("chatgpt_subscription_active_until")),
            email: non_empty_str(payload.get("email")).or_else(|| non_empty_str(profile_email)),
            exp: timestamp(payload.get("exp")),
        }
    }
}

/// The plan that drives behaviour: `prolite`, `pro_lite` and `pro-lite` act as `pro`
/// (upstream.md §4.3); everything else is itself, lowercased.
pub fn effective_plan(raw: &str) -> String {
    let plan = raw.trim().to_ascii_lowercase();
    match plan.as_str() {
        "prolite" | "pro_lite" | "pro-lite" => "pro".to_owned(),
        _ => plan,
    }
}

/// Plans nobody pays for; their subscription end means nothing.
fn is_paid_plan(raw: &str) -> bool {
    !matches!(
        effective_plan(raw).as_str(),
        "free" | "guest" | "free_workspace"
    )
}

/// First 32 hex digits of SHA-256 of a token: a stable fingerprint that reveals nothing.
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    hex::encode(&digest[..16])
}

/// Who an account is, merged from its id token and access token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountIdentity {
    pub chatgpt_account_id: Option<String>,
    pub user_id: Option<String>,
    pub email: Option<String>,
    /// Raw plan for display; `None` when unknown or stale. See [`Self::effective_plan`].
    pub plan_type: Option<String>,
    pub is_fedramp: bool,
    pub subscription_active_until: Option<i64>,
    /// The access token's `exp`; `None` for opaque tokens or when absent.
    pub access_expires_at: Option<i64>,
    /// False when email and workspace came from different tokens (so they may not belong
    /// together); callers must not match accounts on that pair then.
    pub email_workspace_trusted: bool,
}

impl AccountIdentity {
    /// Merges both tokens at the current time. Undecodable tokens contribute nothing.
    pub fn from_tokens(id_token: Option<&str>, access_token: Option<&str>) -> Self {
        Self::from_tokens_at(id_token, access_token, now_unix())
    }

    /// [`Self::from_tokens`] with an explicit clock (unix seconds), for the stale-plan rule.
    pub fn from_tokens_at(id_token: Option<&str>, access_token: Option<&str>, now: i64) -> Self {
        let id = id_token
            .and_then(|t| decode_claims(t).ok())
            .unwrap_or_default();
        let access = access_token
            .and_then(|t| decode_claims(t).ok())
            .unwrap_or_default();
        Self::from_claims(&id, &access, now)
    }

    /// The merge rules of upstream.md §4.3 over already decoded claims.
    pub fn from_claims(id: &TokenClaims, access: &TokenClaims, now: i64) -> Self {
        // The email + workspace pair comes from one token: the id token if it has both,
        // else the access token if it has both. Only when neither does are the two filled
        // separately, and then the pair is flagged untrusted.
        let pair_source = [id, access].into_iter().find(|c| c.has_pair());
        let (email, account_id, trusted) = match pair_source {
            Some(c) => (c.email.clone(), c.chatgpt_account_id.clone(), true),
            None => (
                id.email.clone().or_else(|| access.email.clone()),
                id.chatgpt_account_id
                    .clone()
                    .or_else(|| access.chatgpt_account_id.clone()),
                false,
            ),
        };
        // The user id belongs with the workspace (they form the identity key), so take it
        // from the token that supplied the workspace when it has one.
        let workspace_source = pair_source.or_else(|| {
            [id, access]
                .into_iter()
                .find(|c| c.chatgpt_account_id.is_some())
        });
        let user_id = workspace_source
            .and_then(|c| c.user_id.clone())
            .or_else(|| id.user_id.clone())
            .or_else(|| access.user_id.clone());
        // Plan and its subscription end travel together for the same reason.
        let plan_source = [id, access].into_iter().find(|c| c.plan_type.is_some());
        let subscription_active_until = plan_source
            .and_then(|c| c.subscription_active_until)
            .or(id.subscription_active_until)
            .or(access.subscription_active_until);
        let plan_type = plan_source
            .and_then(|c| c.plan_type.clone())
            .filter(|plan| {
                // A paid plan whose subscription already ended is stale: do not store it.
                !(is_paid_plan(plan) && subscription_active_until.is_some_and(|end| end <= now))
            });
        Self {
            chatgpt_account_id: account_id,
            user_id,
            email,
            plan_type,
            is_fedramp: id.is_fedramp.or(access.is_fedramp).unwrap_or(false),
            subscription_active_until,
            access_expires_at: access.exp,
            email_workspace_trusted: trusted,
        }
    }

    /// The plan that drives behaviour (`prolite` → `pro`), see [`effective_plan`].
    pub fn effective_plan(&self) -> Option<String> {
        self.plan_type.as_deref().map(effective_plan)
    }

    /// Stable de-duplication key: `acct:{workspace}:{user}` when both are known, else
    /// `token:` + [`token_fingerprint`] of the refresh token, else of the access token.
    /// `None` only when there is neither an identity nor a token.
    pub fn identity_key(
        &self,
        refresh_token: Option<&str>,
        access_token: Option<&str>,
    ) -> Option<String> {
        if let (Some(account), Some(user)) = (&self.chatgpt_account_id, &self.user_id) {
            return Some(format!("acct:{account}:{user}"));
        }
        let token = [refresh_token, access_token]
            .into_iter()
            .flatten()
            .find(|t| !t.trim().is_empty())?;
        Some(format!("token:{}", token_fingerprint(token)))
    }
}

/// Builds an unsigned JWT-shaped token around `payload`, for tests across the crate.
#[cfg(test)]
pub(crate) fn test_jwt(payload: &Value) -> String {
    let header = B64URL.encode(br#"{"alg":"RS256","typ":"JWT","kid":"test"}"#);
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{header}.{body}.c2lnbmF0dXJl")
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
