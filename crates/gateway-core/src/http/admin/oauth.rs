//! `/api/admin/oauth/*`: in-app login (codex2api-compatible paths). `generate-auth-url`
//! starts a login, `exchange-code` finishes it from a pasted callback, `poll-callback` tells
//! whether the local listener finished it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::error::AdminError;
use crate::service::login::{self, LoginFailure};
use crate::state::AppState;

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

#[derive(Debug, Default, Deserialize)]
pub struct StartBody {
    redirect_uri: Option<String>,
    proxy_url: Option<String>,
    /// Listen on the redirect URI's loopback port (desktop, or a server on the user's
    /// machine). Defaults to true when the server itself is bound to loopback.
    listen: Option<bool>,
}

pub async fn generate_auth_url(
    State(state): State<AppState>,
    body: Option<Json<StartBody>>,
) -> Result<Json<Value>, AdminError> {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let listen = body
        .listen
        .unwrap_or_else(|| state.config().bind.is_loopback());
    let started = login::start(&state, body.redirect_uri, body.proxy_url, listen).await?;
    Ok(Json(json!(started)))
}

#[derive(Debug, Deserialize)]
pub struct ExchangeBody {
    session_id: String,
    code: Option<String>,
    state: Option<String>,
    /// The whole URL the browser was sent to (or its query).
    callback_url: Option<String>,
}

pub async fn exchange_code(
    State(state): State<AppState>,
    body: JsonBody<ExchangeBody>,
) -> Result<Json<Value>, AdminError> {
    let Json(body) = body.map_err(AdminError::from_json_rejection)?;
    let pasted = match (body.callback_url, body.code) {
        (Some(url), _) if !url.trim().is_empty() => url,
        (_, Some(code)) => match body.state {
            Some(st) => url::form_urlencoded::Serializer::new(String::new())
                .append_pair("code", &code)
                .append_pair("state", &st)
                .finish(),
            None => code,
        },
        _ => {
            return Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "send callback_url, or code (and state)",
            ));
        }
    };
    let account = login::exchange(&state, &body.session_id, &pasted).await?;
    Ok(Json(
        json!({ "message": "account added", "account": account }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PollQuery {
    session_id: String,
}

pub async fn poll_callback(
    State(state): State<AppState>,
    Query(q): Query<PollQuery>,
) -> Result<Json<Value>, AdminError> {
    let status = login::poll(&state, &q.session_id).await?;
    Ok(Json(json!(status)))
}

impl From<LoginFailure> for AdminError {
    fn from(err: LoginFailure) -> Self {
        let (status, code) = match &err {
            LoginFailure::UnknownSession => (StatusCode::NOT_FOUND, "login_not_found"),
            LoginFailure::Input(_) => (StatusCode::BAD_REQUEST, "invalid_callback"),
            LoginFailure::Exchange(_) => (StatusCode::BAD_GATEWAY, "login_failed"),
            LoginFailure::Cache(_) => (StatusCode::SERVICE_UNAVAILABLE, "cache_unavailable"),
        };
        AdminError::new(status, code, err.to_string())
    }
}
