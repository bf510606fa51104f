//! The `wham/usage` quota probe (upstream.md §5.5, scheduling.md §11): one GET that costs no
//! quota and returns the account's windows. This file makes the call and parses the reply;
//! when to probe (after a 429, for idle accounts, on admin request) is the scheduler's call.
//!
//! ```ignore
//! let url = UpstreamEndpoints::new(&state.config().upstream_base_url)?.wham_usage().to_owned();
//! let obs = probe::fetch(&http, &url, grant.access_token.expose(), grant.chatgpt_account_id.as_deref()).await?;
//! state.usage().observe(grant.account_id, &obs);
//! ```

use std::time::Duration;

use crate::service::now_ms;
use crate::upstream::headers::auxiliary_headers;

/// A probe that takes longer than this is abandoned; the next trigger tries again.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);
/// Upstream error bodies are cut to this many characters in the error message.
const BODY_EXCERPT: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("usage probe transport error: {0}")]
    Transport(String),
    /// Non-2xx. A 401 on an opaque access token does not condemn it (upstream.md §4.4).
    #[error("usage probe answered HTTP {status}: {excerpt}")]
    Status { status: u16, excerpt: String },
    #[error("usage probe reply is not usable: {0}")]
    Body(String),
}

/// Calls `url` (from `UpstreamEndpoints::wham_usage`) with the account's access token.
pub async fn fetch(
    http: &reqwest::Client,
    url: &str,
    access_token: &str,
    chatgpt_account_id: Option<&str>,
) -> Result<super::quota::QuotaObservation, ProbeError> {
    let reply = http
        .get(url)
        .headers(auxiliary_headers(access_token, chatgpt_account_id))
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .map_err(|e| ProbeError::Transport(e.without_url().to_string()))?;
    let status = reply.status();
    let text = reply
        .text()
        .await
        .map_err(|e| ProbeError::Transport(e.without_url().to_string()))?;
    if !status.is_success() {
        let excerpt: String = text.chars().take(BODY_EXCERPT).collect();
        return Err(ProbeError::Status {
            status: status.as_u16(),
            excerpt,
        });
    }
    let body: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ProbeError::Body(e.to_string()))?;
    super::quota::from_wham_usage(&body, now_ms())
        .ok_or_else(|| ProbeError::Body("no rate-limit windows, plan or credits".to_owned()))
}
