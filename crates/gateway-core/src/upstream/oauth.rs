//! The OAuth token endpoint client: refresh-token rotation and the PKCE code exchange
//! (upstream.md §4.1, §4.2). One attempt per call; retries, single-flight and persistence
//! belong to the refresher (scheduling.md §10).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::jwt::decode_claims;
pub use super::refresh_error::{classify_failure, RefreshError, TerminalReason};
use super::refresh_error::{is_client_rejection, safe_error_code};
use super::timestamp::now_unix;

/// OAuth client id of the Codex CLI; the token endpoint accepts only this one.
pub const CODEX_CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";
/// Per-attempt timeout, connection to last body byte (codex2api's value).
pub const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Access-token lifetime assumed when neither `exp` nor `expires_in` is readable.
pub const DEFAULT_ACCESS_TTL_SECS: i64 = 3600;

/// Tokens from a refresh or a code exchange. `Debug` shows only which tokens are present.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: String,
    /// The rotated refresh token; `None` when the answer had none (or an empty one), which
    /// means the old refresh token stays valid.
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// Unix seconds: the access token's JWT `exp`, else now + `expires_in`, else now + 1 h.
    pub expires_at: i64,
}

impl TokenSet {
    /// The refresh token to store after this answer: the new one when rotated, else `old`.
    pub fn refresh_token_or<'a>(&'a self, old: &'a str) -> &'a str {
        self.refresh_token.as_deref().unwrap_or(old)
    }

    /// Parses a 2xx token-endpoint body. `now` is unix seconds.
    pub fn from_response(body: &[u8], now: i64) -> Result<Self, MalformedTokenResponse> {
        #[derive(Deserialize)]
        struct Raw {
            access_token: Option<String>,
            refresh_token: Option<String>,
            id_token: Option<String>,
            expires_in: Option<Value>,
        }
        let raw: Raw = serde_json::from_slice(body).map_err(|_| MalformedTokenResponse::NotJson)?;
        let present = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let access_token =
            present(raw.access_token).ok_or(MalformedTokenResponse::NoAccessToken)?;
        let expires_in = raw.expires_in.as_ref().and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        // The CLI trusts only the JWT `exp`; `expires_in` is for tokens without one (ours).
        let exp = decode_claims(&access_token).ok().and_then(|c| c.exp);
        let expires_at = exp
            .or_else(|| expires_in.filter(|s| *s > 0).map(|s| now.saturating_add(s)))
            .unwrap_or(now + DEFAULT_ACCESS_TTL_SECS);
        Ok(Self {
            access_token,
            refresh_token: present(raw.refresh_token),
            id_token: present(raw.id_token),
            expires_at,
        })
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |t: &Option<String>| {
            if t.is_some() {
                "Some(<redacted>)"
            } else {
                "None"
            }
        };
        f.debug_struct("TokenSet")
            .field("access_token", &format_args!("<redacted>"))
            .field(
                "refresh_token",
                &format_args!("{}", shown(&self.refresh_token)),
            )
            .field("id_token", &format_args!("{}", shown(&self.id_token)))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A 2xx answer we cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedTokenResponse {
    #[error("token endpoint answered with something other than a JSON object")]
    NotJson,
    #[error("token endpoint answered without an access token")]
    NoAccessToken,
}

/// A failed authorization-code exchange (login). Never carries the code or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// The server refused the code (expired, already used, wrong verifier or redirect).
    #[error("authorization code rejected (HTTP {status}{})", code_suffix(.code))]
    Rejected { status: u16, code: Option<String> },
    /// The token endpoint is down or throttling (408, 429, 5xx); the code may be retried
    /// while it is still fresh.
    #[error("token endpoint unavailable (HTTP {status}{})", code_suffix(.code))]
    Unavailable { status: u16, code: Option<String> },
    /// Our client id is wrong or blocked.
    #[error("token endpoint refused the OAuth client: {code} (HTTP {status})")]
    ClientRejected { code: String, status: u16 },
    /// `offline_access` was not granted, so the account could never be refreshed.
    #[error("login granted no refresh token (offline_access missing); sign in again")]
    NoRefreshToken,
    #[error(transparent)]
    Malformed(#[from] MalformedTokenResponse),
    /// Transport error or timeout.
    #[error("token endpoint unreachable: {0}")]
    Transport(String),
}

fn code_suffix(code: &Option<String>) -> String {
    code.as_deref()
        .map(|c| format!(", {c}"))
        .unwrap_or_default()
}

/// Calls the token endpoint. Cheap to clone; holds the shared `reqwest::Client`, whose
/// default headers (User-Agent, originator) and egress proxy the caller chooses.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
}

impl OAuthClient {
    /// A client for `token_url` (`CODEX_OAUTH_TOKEN_URL`) with the Codex client id.
    pub fn new(http: reqwest::Client, token_url: impl Into<String>) -> Self {
        Self {
            http,
            token_url: token_url.into(),
            client_id: CODEX_CLIENT_ID.to_owned(),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The shared HTTP client, for other auxiliary calls (the usage probe).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Overrides the client id (tests; a future device-code client).
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// One refresh attempt: JSON `{client_id, grant_type, refresh_token}` and nothing else
    /// (no `scope`), like the CLI. On success the old refresh token is dead if
    /// `refresh_token` came back: persist the new one before using the access token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, RefreshError> {
        let body = json!({
            "client_id": self.client_id,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token.trim(),
        });
        let request = self.http.post(&self.token_url).json(&body);
        let (status, bytes) =
            self.send(request)
                .await
                .map_err(|message| RefreshError::Transient {
                    status: None,
                    message,
                })?;
        if !(200..300).contains(&status) {
            return Err(classify_failure(status, &bytes));
        }
        TokenSet::from_response(&bytes, now_unix()).map_err(|e| RefreshError::Transient {
            status: Some(status),
            message: e.to_string(),
        })
    }

    /// Exchanges a login's authorization code (form-encoded, upstream.md §4.2). An answer
    /// without a refresh token fails the login.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<TokenSet, ExchangeError> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code.trim())
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("client_id", &self.client_id)
            .append_pair("code_verifier", code_verifier)
            .finish();
        let request = self
            .http
            .post(&self.token_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form);
        let (status, bytes) = self.send(request).await.map_err(ExchangeError::Transport)?;
        if !(200..300).contains(&status) {
            let code = safe_error_code(&bytes);
            return Err(match code {
                Some(code) if is_client_rejection(&code) => {
                    ExchangeError::ClientRejected { code, status }
                }
                _ if status == 408 || status == 429 || status >= 500 => {
                    ExchangeError::Unavailable { status, code }
                }
                _ => ExchangeError::Rejected { status, code },
            });
        }
        let tokens = TokenSet::from_response(&bytes, now_unix())?;
        if tokens.refresh_token.is_none() {
            return Err(ExchangeError::NoRefreshToken);
        }
        Ok(tokens)
    }

    /// Sends with the per-attempt timeout and reads the whole body.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), String> {
        let response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(TOKEN_REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| transport_message(&e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| transport_message(&e))?;
        Ok((status, bytes.to_vec()))
    }
}

/// A transport failure as text: kind plus the source chain, without the URL (a configured
/// URL may carry credentials). Request bodies, and so tokens, never appear in these errors.
fn transport_message(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", TOKEN_REQUEST_TIMEOUT.as_secs());
    }
    let kind = if e.is_connect() {
        "connection failed"
    } else {
        "transport error"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
