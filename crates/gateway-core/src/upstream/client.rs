//! The Codex HTTP client (upstream.md §9): one pooled reqwest client per (account, egress
//! proxy), built lazily and dropped when idle, so no connection is shared between accounts.
//! No overall timeout (long turns run past 10 min); the wait for response headers is bounded
//! by wrapping `send()`. Error answers are read and classified here, so callers only see a
//! live stream or an [`UpstreamError`].

use std::time::Duration;

use axum::http::HeaderMap;
use bytes::Bytes;

use super::classify::{classify, safe_message, UpstreamErrorKind};
use super::endpoints::{EndpointError, UpstreamEndpoints};
use super::headers::{auxiliary_headers, responses_headers, HeaderContext};
use crate::scheduler::Grant;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);
const H2_PING_INTERVAL: Duration = Duration::from_secs(15);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(15);
const POOL_IDLE: Duration = Duration::from_secs(90);
/// Idle HTTP/1.1 connections kept per account client (HTTP/2 multiplexes one). Only
/// connections that were open at the same time can be idle together, and they expire after
/// [`POOL_IDLE`]; with 4 (upstream.md §9's first value), bursts above 4 in flight per account
/// closed the extra connections and reconnected on the next burst: TCP connects were ~12 % of
/// the gateway's CPU at maximum throughput (docs/BENCHMARKS.md).
const POOL_MAX_IDLE_PER_HOST: usize = 64;
/// Bounds a request that never answers; reqwest has no header-only timeout.
pub const RESPONSE_HEADER_TIMEOUT: Duration = Duration::from_secs(300);
/// The manifest is metadata; a slow answer is not worth holding a client for.
const MANIFEST_TIMEOUT: Duration = Duration::from_secs(15);
const CLIENT_IDLE: Duration = Duration::from_secs(300);
const CLIENT_MAX_AGE: Duration = Duration::from_secs(1800);
/// Upper bound on an error body we read (they are small JSON or an HTML page).
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// A failed upstream call: an error status with its classification, or no answer at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("upstream {kind:?} (status {status:?})")]
pub struct UpstreamError {
    /// `None` for transport failures and timeouts of ours.
    pub status: Option<u16>,
    pub kind: UpstreamErrorKind,
    /// A user-safe message (never an upstream body or a token).
    pub message: Option<String>,
}

impl UpstreamError {
    pub fn transport(message: impl Into<String>) -> Self {
        Self {
            status: None,
            kind: UpstreamErrorKind::Transport,
            message: Some(message.into()),
        }
    }

    fn timeout() -> Self {
        Self {
            status: None,
            kind: UpstreamErrorKind::Timeout,
            message: Some("upstream did not answer in time".into()),
        }
    }
}

/// Per-call facts besides the grant.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    pub inbound: &'a HeaderMap,
    pub prompt_cache_key: Option<&'a str>,
    pub model: &'a str,
    pub service_tier: Option<&'a str>,
    pub compat: super::headers::CompatMode,
}

/// The manifest answer, proxied verbatim.
#[derive(Debug, Clone)]
pub struct ManifestReply {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Bytes,
}

pub struct UpstreamClient {
    endpoints: UpstreamEndpoints,
    /// `endpoints.responses()` and `.compact()` parsed once: reqwest would otherwise parse
    /// the URL string (host, IDNA) on every request.
    responses_url: reqwest::Url,
    compact_url: reqwest::Url,
    clients: moka::sync::Cache<(i64, Option<String>), reqwest::Client>,
}

impl UpstreamClient {
    pub fn new(base_url: &str) -> Result<Self, EndpointError> {
        let clients = moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_idle(CLIENT_IDLE)
            .time_to_live(CLIENT_MAX_AGE)
            .build();
        let endpoints = UpstreamEndpoints::new(base_url)?;
        let parse = |url: &str| reqwest::Url::parse(url).map_err(|_| EndpointError::Invalid);
        Ok(Self {
            responses_url: parse(endpoints.responses())?,
            compact_url: parse(endpoints.compact())?,
            endpoints,
            clients,
        })
    }

    pub fn endpoints(&self) -> &UpstreamEndpoints {
        &self.endpoints
    }

    /// `POST …/responses`: a 2xx answer whose body is the SSE stream, or the classified error.
    pub async fn send_responses(
        &self,
        grant: &Grant,
        body: Bytes,
        call: &CallContext<'_>,
    ) -> Result<reqwest::Response, UpstreamError> {
        self.post(grant, &self.responses_url, body, call, "text/event-stream")
            .await
    }

    /// `POST …/responses/compact`: the JSON answer of a 2xx, or the classified error.
    pub async fn send_compact(
        &self,
        grant: &Grant,
        body: Bytes,
        call: &CallContext<'_>,
    ) -> Result<Bytes, UpstreamError> {
        let resp = self
            .post(grant, &self.compact_url, body, call, "application/json")
            .await?;
        resp.bytes()
            .await
            .map_err(|e| UpstreamError::transport(transport_message(&e)))
    }

    /// `GET …/models?client_version=…`, answered verbatim whatever its status.
    pub async fn models_manifest(
        &self,
        grant: &Grant,
        client_version: &str,
    ) -> Result<ManifestReply, UpstreamError> {
        let client = self.client_for(grant)?;
        let headers = auxiliary_headers(
            grant.access_token.expose(),
            grant.chatgpt_account_id.as_deref(),
        );
        let request = client
            .get(self.endpoints.models(client_version))
            .headers(headers)
            .timeout(MANIFEST_TIMEOUT);
        let resp = request
            .send()
            .await
            .map_err(|e| UpstreamError::transport(transport_message(&e)))?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .bytes()
            .await
            .map_err(|e| UpstreamError::transport(transport_message(&e)))?;
        Ok(ManifestReply { status, etag, body })
    }

    async fn post(
        &self,
        grant: &Grant,
        url: &reqwest::Url,
        body: Bytes,
        call: &CallContext<'_>,
        accept: &'static str,
    ) -> Result<reqwest::Response, UpstreamError> {
        let client = self.client_for(grant)?;
        let ctx = HeaderContext {
            access_token: grant.access_token.expose(),
            chatgpt_account_id: grant.chatgpt_account_id.as_deref(),
            prompt_cache_key: call.prompt_cache_key,
            model: call.model,
            service_tier: call.service_tier,
            compat: call.compat,
            accept,
        };
        // Built directly: `RequestBuilder::headers` would copy our map entry by entry.
        let mut request = reqwest::Request::new(reqwest::Method::POST, url.clone());
        *request.headers_mut() = responses_headers(call.inbound, &ctx);
        *request.body_mut() = Some(body.into());
        let resp =
            match tokio::time::timeout(RESPONSE_HEADER_TIMEOUT, client.execute(request)).await {
                Err(_) => return Err(UpstreamError::timeout()),
                Ok(Err(e)) => {
                    if is_stale_connection(&e) {
                        self.clients.invalidate(&key_of(grant));
                    }
                    return Err(UpstreamError::transport(transport_message(&e)));
                }
                Ok(Ok(resp)) => resp,
            };
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(read_error(resp).await)
    }

    fn client_for(&self, grant: &Grant) -> Result<reqwest::Client, UpstreamError> {
        let key = key_of(grant);
        if let Some(client) = self.clients.get(&key) {
            return Ok(client);
        }
        let client = build_client(grant.proxy_url.as_deref())?;
        self.clients.insert(key, client.clone());
        Ok(client)
    }
}

fn key_of(grant: &Grant) -> (i64, Option<String>) {
    (
        grant.account_id,
        grant.proxy_url.clone().filter(|p| !p.is_empty()),
    )
}

fn build_client(proxy: Option<&str>) -> Result<reqwest::Client, UpstreamError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_keepalive(TCP_KEEPALIVE)
        .http2_keep_alive_interval(H2_PING_INTERVAL)
        .http2_keep_alive_timeout(H2_PING_TIMEOUT)
        .http2_keep_alive_while_idle(true)
        .pool_idle_timeout(POOL_IDLE)
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST);
    if let Some(proxy) = proxy.filter(|p| !p.is_empty()) {
        // The proxy URL may carry credentials: never echo it into an error message.
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|_| UpstreamError::transport("the account's proxy URL is invalid"))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|_| UpstreamError::transport("cannot build the upstream HTTP client"))
}

/// Reads a bounded excerpt of an error answer and classifies it.
async fn read_error(resp: reqwest::Response) -> UpstreamError {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = read_bounded(resp).await;
    let text = String::from_utf8_lossy(&body);
    let kind = classify(status, &text, retry_after, crate::service::now_ms() / 1000);
    tracing::debug!(status, kind = kind.as_str(), "upstream error answer");
    UpstreamError {
        status: Some(status),
        kind,
        message: safe_message(&text),
    }
}

async fn read_bounded(mut resp: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= ERROR_BODY_LIMIT {
            body.truncate(ERROR_BODY_LIMIT);
            break;
        }
    }
    body
}

/// A transport error in words that hold no URL (the proxy URL may contain credentials).
pub fn transport_message(err: &reqwest::Error) -> String {
    let what = if err.is_connect() {
        "cannot connect to the upstream"
    } else if err.is_timeout() {
        "the upstream timed out"
    } else if err.is_body() || err.is_decode() {
        "the upstream connection broke while reading"
    } else {
        "the upstream request failed"
    };
    what.to_owned()
}

/// Errors after which the pooled client is dropped at once (upstream.md §9).
fn is_stale_connection(err: &reqwest::Error) -> bool {
    let text = format!("{err:?}").to_ascii_lowercase();
    [
        "connection reset",
        "broken pipe",
        "connection is shutting down",
    ]
    .iter()
    .any(|n| text.contains(n))
}
