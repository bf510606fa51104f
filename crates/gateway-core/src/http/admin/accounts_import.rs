//! Adding accounts: `POST /accounts` (refresh tokens), `POST /accounts/at` (access tokens) and
//! `POST /accounts/import` (multipart file). Each answers with a summary, or streams progress
//! when asked (`?stream=true`).

use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;

use super::sse::{progress_stream, wants_stream};
use crate::http::error::AdminError;
use crate::service::accounts::import::{self, ImportOptions, ImportSummary};
use crate::service::import::{self as parse, ImportError, ImportFormat, ImportParse};
use crate::state::AppState;

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    stream: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RefreshTokenBody {
    name: Option<String>,
    refresh_token: String,
    proxy_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AccessTokenBody {
    name: Option<String>,
    #[serde(alias = "token")]
    access_token: String,
    proxy_url: Option<String>,
}

pub async fn create_refresh(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    body: JsonBody<RefreshTokenBody>,
) -> Result<Response, AdminError> {
    let Json(b) = body.map_err(AdminError::from_json_rejection)?;
    let parsed = parse::parse_refresh_token_field(&b.refresh_token, b.name.as_deref());
    run_parsed(state, parsed, b.proxy_url, wants_stream(q.stream, &headers)).await
}

pub async fn create_access(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    body: JsonBody<AccessTokenBody>,
) -> Result<Response, AdminError> {
    let Json(b) = body.map_err(AdminError::from_json_rejection)?;
    let parsed = parse::parse_access_token_field(&b.access_token, b.name.as_deref());
    run_parsed(state, parsed, b.proxy_url, wants_stream(q.stream, &headers)).await
}

/// The token-field imports: a field that cannot be read at all is a 400 that writes nothing.
async fn run_parsed(
    state: AppState,
    parsed: Result<ImportParse, ImportError>,
    proxy_url: Option<String>,
    stream: bool,
) -> Result<Response, AdminError> {
    run(state, parsed.map_err(import_error)?, proxy_url, stream).await
}

/// Multipart fields: `file` (repeatable), `format` (`txt` | `json` | `at_txt` | `json_at`,
/// default by file extension), `proxy_url`. A file that cannot be parsed at all writes
/// nothing; otherwise bad lines are reported and good ones committed.
pub async fn import_file(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AdminError> {
    let mut files: Vec<(Option<String>, Vec<u8>)> = Vec::new();
    let mut format: Option<String> = None;
    let mut proxy_url = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or_default() {
            "file" | "files" => {
                let filename = field.file_name().map(str::to_owned);
                files.push((
                    filename,
                    field.bytes().await.map_err(multipart_error)?.to_vec(),
                ));
            }
            "format" => format = Some(field.text().await.map_err(multipart_error)?),
            "proxy_url" => proxy_url = Some(field.text().await.map_err(multipart_error)?),
            _ => {}
        }
    }
    if files.is_empty() {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "missing_file",
            "no file in the upload (field `file`)",
        ));
    }
    let mut combined = ImportParse::default();
    for (filename, bytes) in &files {
        let fmt = resolve_format(format.as_deref(), filename.as_deref())?;
        let parsed = parse::parse_import(fmt, bytes).map_err(|e| {
            let name = filename.as_deref().unwrap_or("upload");
            AdminError::new(
                StatusCode::BAD_REQUEST,
                "unparseable_file",
                format!("{name}: {e}"),
            )
        })?;
        combined.entries.extend(parsed.entries);
        combined.errors.extend(parsed.errors);
        combined.duplicates += parsed.duplicates;
    }
    run(state, combined, proxy_url, wants_stream(q.stream, &headers)).await
}

fn resolve_format(
    explicit: Option<&str>,
    filename: Option<&str>,
) -> Result<ImportFormat, AdminError> {
    if let Some(f) = explicit.map(str::trim).filter(|f| !f.is_empty()) {
        return ImportFormat::parse(f).ok_or_else(|| {
            AdminError::new(
                StatusCode::BAD_REQUEST,
                "invalid_format",
                "format must be txt, json, at_txt or json_at",
            )
        });
    }
    Ok(match filename.and_then(|f| f.rsplit('.').next()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => ImportFormat::Json,
        _ => ImportFormat::Txt,
    })
}

#[derive(Debug, Serialize)]
struct ProgressEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    current: usize,
    total: usize,
    success: usize,
    updated: usize,
    duplicate: usize,
    failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<ImportSummary>,
}

impl ProgressEvent {
    fn new(kind: &'static str, s: &ImportSummary, current: usize) -> Self {
        ProgressEvent {
            kind,
            current,
            total: s.total,
            success: s.success(),
            updated: s.updated,
            duplicate: s.duplicate,
            failed: s.failed,
            summary: None,
        }
    }
}

async fn run(
    state: AppState,
    parsed: ImportParse,
    proxy_url: Option<String>,
    stream: bool,
) -> Result<Response, AdminError> {
    let options = ImportOptions { proxy_url };
    if !stream {
        let summary = import::import(&state, parsed, &options, |_, _| {}).await?;
        let status = if summary.success() == 0 && summary.failed > 0 {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(json!(summary))).into_response());
    }
    let (tx, rx) = mpsc::channel(64);
    // The import runs to the end even if the client disconnects: tokens already exchanged
    // must be stored.
    tokio::spawn(async move {
        let progress_tx = tx.clone();
        let result = import::import(&state, parsed, &options, |s, done| {
            let _ = progress_tx.try_send(ProgressEvent::new("progress", s, done));
        })
        .await;
        match result {
            Ok(summary) => {
                let mut done = ProgressEvent::new("complete", &summary, summary.total);
                done.summary = Some(summary);
                let _ = tx.send(done).await;
            }
            Err(e) => {
                let mut failed = ProgressEvent::new("complete", &ImportSummary::default(), 0);
                failed.kind = "error";
                let _ = tx.send(failed).await;
                tracing::warn!(error = %e, "streamed import failed");
            }
        }
    });
    Ok(progress_stream(rx).into_response())
}

fn import_error(err: ImportError) -> AdminError {
    let code = match err {
        ImportError::TooManyTokens { .. } => "too_many_tokens",
        ImportError::Unparseable(_) => "unparseable_input",
    };
    AdminError::new(StatusCode::BAD_REQUEST, code, err.to_string())
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AdminError {
    AdminError::new(err.status(), "invalid_multipart", err.body_text())
}
