//! `/api/admin/accounts*`: list, get, edit, delete, refresh, enable/disable, pause/resume,
//! the `auth.json` export and batch actions.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::sse::{progress_stream, wants_stream};
use crate::http::error::AdminError;
use crate::service::accounts::batch::{self, BatchAction};
use crate::service::accounts::test::{self, TestEvent};
use crate::service::accounts::{self, AccountError, AccountUpdate};
use crate::service::public_api::PublicApi;
use crate::state::AppState;
use crate::store::{AccountFilter, CredentialState};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    page_size: Option<i64>,
    #[serde(alias = "q")]
    search: Option<String>,
    enabled: Option<bool>,
    /// `reauth_required` or `active`.
    state: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, AdminError> {
    let credential_state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(CredentialState::parse(s).ok_or_else(|| {
            AdminError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "state must be active or reauth_required",
            )
        })?),
    };
    let filter = AccountFilter {
        search: q.search.filter(|s| !s.trim().is_empty()),
        enabled: q.enabled,
        state: credential_state,
        page: q.page.unwrap_or(1),
        page_size: q.page_size.unwrap_or(50),
    };
    let page = accounts::list(&state, &filter).await?;
    Ok(Json(json!({
        "accounts": page.items,
        "total": page.total,
        "page": filter.page.max(1),
        "page_size": filter.page_size,
    })))
}

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    let (account, events) = accounts::get(&state, id).await?;
    Ok(Json(json!({ "account": account, "events": events })))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<AccountUpdate>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AdminError> {
    let Json(update) = body.map_err(AdminError::from_json_rejection)?;
    let account = accounts::update(&state, id, update).await?;
    Ok(Json(json!({ "account": account })))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    accounts::delete(&state, id).await?;
    Ok(Json(json!({ "message": "account deleted" })))
}

pub async fn refresh(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    let account = accounts::refresh_now(&state, id).await?;
    Ok(Json(
        json!({ "message": "account refreshed", "account": account }),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct EnableBody {
    enabled: Option<bool>,
}

/// `POST /accounts/{id}/enable` (codex2api: optional `{"enabled": bool}`, default true).
pub async fn enable(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Option<Json<EnableBody>>,
) -> Result<Json<Value>, AdminError> {
    let enabled = body.and_then(|Json(b)| b.enabled).unwrap_or(true);
    set(&state, id, flags(Some(enabled), None)).await
}

pub async fn disable(State(state): State<AppState>, Path(id): Path<i64>) -> AdminResult {
    set(&state, id, flags(Some(false), None)).await
}

pub async fn pause(State(state): State<AppState>, Path(id): Path<i64>) -> AdminResult {
    set(&state, id, flags(None, Some(true))).await
}

pub async fn resume(State(state): State<AppState>, Path(id): Path<i64>) -> AdminResult {
    set(&state, id, flags(None, Some(false))).await
}

type AdminResult = Result<Json<Value>, AdminError>;

/// An update that only switches `enabled` and/or `paused`.
fn flags(enabled: Option<bool>, paused: Option<bool>) -> AccountUpdate {
    AccountUpdate {
        enabled,
        paused,
        ..AccountUpdate::default()
    }
}

async fn set(state: &AppState, id: i64, update: AccountUpdate) -> Result<Json<Value>, AdminError> {
    let account = accounts::update(state, id, update).await?;
    Ok(Json(json!({ "account": account })))
}

pub async fn auth_json(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    let body = accounts::export_auth_json(&state, id).await?;
    let disposition = format!("attachment; filename=\"auth-{id}.json\"");
    Ok((
        [(axum::http::header::CONTENT_DISPOSITION, disposition)],
        Json(body),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct BatchBody {
    ids: Vec<i64>,
    #[serde(flatten)]
    update: AccountUpdate,
}

type BatchJson = Result<Json<BatchBody>, axum::extract::rejection::JsonRejection>;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    stream: Option<bool>,
}

pub async fn batch_refresh(
    state: State<AppState>,
    q: Query<StreamQuery>,
    headers: HeaderMap,
    body: BatchJson,
) -> Result<Response, AdminError> {
    run_batch(state, q, headers, body, |_| BatchAction::Refresh).await
}

pub async fn batch_delete(
    state: State<AppState>,
    q: Query<StreamQuery>,
    headers: HeaderMap,
    body: BatchJson,
) -> Result<Response, AdminError> {
    run_batch(state, q, headers, body, |_| BatchAction::Delete).await
}

pub async fn batch_update(
    state: State<AppState>,
    q: Query<StreamQuery>,
    headers: HeaderMap,
    body: BatchJson,
) -> Result<Response, AdminError> {
    run_batch(state, q, headers, body, BatchAction::Update).await
}

async fn run_batch(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    body: BatchJson,
    action: impl FnOnce(AccountUpdate) -> BatchAction,
) -> Result<Response, AdminError> {
    let Json(body) = body.map_err(AdminError::from_json_rejection)?;
    if body.ids.is_empty() {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "ids must not be empty",
        ));
    }
    let action = action(body.update);
    let (tx, rx) = mpsc::channel(64);
    let task_state = state.clone();
    let ids = body.ids;
    let handle = tokio::spawn(async move { batch::run(&task_state, action, ids, tx).await });
    if wants_stream(q.stream, &headers) {
        return Ok(progress_stream(rx).into_response());
    }
    drop(rx);
    let done = handle.await.map_err(|e| {
        AdminError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("batch failed: {e}"),
        )
    })?;
    Ok(Json(done).into_response())
}

/// `GET /accounts/{id}/usage`: the account's quota windows as last observed.
pub async fn usage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    let (account, _) = accounts::get(&state, id).await?;
    Ok(Json(
        json!({ "account_id": id, "quota": account.quota, "plan_type": account.plan_type }),
    ))
}

/// `POST /accounts/{id}/usage/refresh`: probes `wham/usage` now (costs no quota).
pub async fn usage_refresh(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    accounts::live(&state, id).await?;
    crate::service::probe::probe_account(&state, id)
        .await
        .map_err(|e| AdminError::new(StatusCode::BAD_GATEWAY, "probe_failed", e))?;
    usage(State(state), Path(id)).await
}

#[derive(Debug, Deserialize)]
pub struct TestQuery {
    model: Option<String>,
    stream: Option<bool>,
}

/// `GET /accounts/{id}/test`: SSE by default (codex2api), JSON with `?stream=false`.
pub async fn test(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    Path(id): Path<i64>,
    Query(q): Query<TestQuery>,
) -> Result<Response, AdminError> {
    accounts::live(&state, id).await?;
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        let result = test::run(&state, &api, id, q.model, &tx).await;
        let _ = tx.send(TestEvent::Complete(result.clone())).await;
        result
    });
    if q.stream.unwrap_or(true) {
        return Ok(progress_stream(rx).into_response());
    }
    drop(rx);
    let result = task.await.map_err(|e| {
        AdminError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("test failed: {e}"),
        )
    })?;
    Ok(Json(result).into_response())
}

#[derive(Debug, Deserialize)]
pub struct BatchTestBody {
    ids: Vec<i64>,
    model: Option<String>,
}

pub async fn batch_test(
    state: State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    q: Query<StreamQuery>,
    headers: HeaderMap,
    body: Result<Json<BatchTestBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AdminError> {
    let Json(body) = body.map_err(AdminError::from_json_rejection)?;
    let batch = BatchBody {
        ids: body.ids,
        update: AccountUpdate::default(),
    };
    let model = body.model;
    run_batch(state, q, headers, Ok(Json(batch)), move |_| {
        BatchAction::Test { api, model }
    })
    .await
}

impl From<AccountError> for AdminError {
    fn from(err: AccountError) -> Self {
        let (status, code) = match &err {
            AccountError::NotFound => (StatusCode::NOT_FOUND, "account_not_found"),
            AccountError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            AccountError::Refresh(_) => (StatusCode::BAD_GATEWAY, "refresh_failed"),
            AccountError::Secret(_) => (StatusCode::INTERNAL_SERVER_ERROR, "secret_unavailable"),
            AccountError::Store(e) => {
                tracing::error!(error = %e, "account operation hit a store error");
                return AdminError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the database is unavailable",
                );
            }
        };
        AdminError::new(status, code, err.to_string())
    }
}
