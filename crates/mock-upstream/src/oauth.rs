//! `POST /oauth/token`: refresh-token rotation with reuse detection, and the PKCE
//! authorization-code exchange (upstream.md §4.1, §4.2).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::auth::{invalid_request, json_reply};
use crate::config::{TokenSet, UnknownRefreshReply};
use crate::faults::Scope;
use crate::jwt::CODEX_CLIENT_ID;
use crate::state::{CodeError, RefreshOutcome, State};
use crate::util::parse_form;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> (StatusCode, String) {
    (
        status,
        json!({"error": error, "error_description": description}).to_string(),
    )
}

/// JSON (what the CLI sends for refresh) or a form (what it sends for the code exchange).
fn parse(headers: &HeaderMap, raw: &[u8]) -> Option<Value> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form {
        let map: Map<String, Value> = parse_form(raw)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return Some(Value::Object(map));
    }
    serde_json::from_slice::<Value>(raw)
        .ok()
        .filter(Value::is_object)
}

fn granted(state: &State, t: TokenSet) -> (StatusCode, String) {
    let body = json!({
        "access_token": t.access_token,
        "id_token": t.id_token,
        "refresh_token": t.refresh_token,
        "token_type": "Bearer",
        "expires_in": state.config.access_token_ttl.as_secs(),
        "scope": "openid profile email offline_access",
    });
    (StatusCode::OK, body.to_string())
}

pub(crate) async fn handle(
    AxState(state): AxState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let body = parse(&headers, &raw);
    let (account, (status, text)) = answer(&state, body.as_ref());
    state.log.record(
        method.as_str(),
        &uri.to_string(),
        &headers,
        body,
        account.as_deref(),
        status.as_u16(),
        None,
    );
    json_reply(status, text)
}

/// The account concerned (if known) and the reply.
fn answer(state: &State, body: Option<&Value>) -> (Option<String>, (StatusCode, String)) {
    let Some(body) = body else {
        return (
            None,
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Unreadable body",
            ),
        );
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str);
    if field("client_id") != Some(CODEX_CLIENT_ID) {
        return (
            None,
            oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Unknown client_id",
            ),
        );
    }
    match field("grant_type") {
        Some("refresh_token") => {
            let Some(token) = field("refresh_token") else {
                let e = oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
                return (None, e);
            };
            refresh(state, token)
        }
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (field("code"), field("code_verifier")) else {
                let e = oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and code_verifier are required",
                );
                return (None, e);
            };
            match state.exchange_code(code, verifier, field("redirect_uri")) {
                Ok(tokens) => {
                    let id = crate::jwt::decode_claims(&tokens.id_token).and_then(|c| {
                        c[crate::jwt::AUTH_CLAIM]["chatgpt_account_id"]
                            .as_str()
                            .map(str::to_owned)
                    });
                    (id, granted(state, tokens))
                }
                Err(e) => {
                    let why = match e {
                        CodeError::UnknownCode => "Unknown or already used authorization code",
                        CodeError::BadVerifier => "code_verifier does not match code_challenge",
                        CodeError::RedirectMismatch => "redirect_uri does not match",
                    };
                    (
                        None,
                        oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why),
                    )
                }
            }
        }
        _ => (
            None,
            oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant_type",
            ),
        ),
    }
}

fn refresh(state: &State, token: &str) -> (Option<String>, (StatusCode, String)) {
    let owner = state.refresh_owner(token).map(|a| a.id.clone());
    if let Some((fault, _)) = state
        .faults
        .take(owner.as_deref().unwrap_or(""), Scope::Refresh)
    {
        if let Some(reply) = fault.error_reply("") {
            return (owner, reply);
        }
    }
    match state.refresh(token) {
        RefreshOutcome::Rotated(account, tokens) => (Some(account.id.clone()), granted(state, tokens)),
        RefreshOutcome::Reused(account) => (
            Some(account.id.clone()),
            invalid_request(
                StatusCode::UNAUTHORIZED,
                Some("refresh_token_reused"),
                "Your refresh token has already been used to generate a new access token. Please try signing in again.",
            ),
        ),
        RefreshOutcome::Unknown => match state.config.unknown_refresh_reply {
            UnknownRefreshReply::Invalidated => (
                None,
                invalid_request(
                    StatusCode::UNAUTHORIZED,
                    Some("refresh_token_invalidated"),
                    "Your refresh token has been invalidated. Please try signing in again.",
                ),
            ),
            UnknownRefreshReply::InvalidGrant => {
                (None, oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh token"))
            }
        },
    }
}
