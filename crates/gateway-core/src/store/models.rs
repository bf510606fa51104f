//! Row models and write DTOs shared by both store implementations.

use serde::{Deserialize, Serialize};

/// How an account authenticates upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// OAuth refresh token (+ access token); refreshed before expiry.
    RefreshToken,
    /// A bare access token; never refreshed, dead at expiry.
    AccessToken,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::RefreshToken => "refresh_token",
            CredentialKind::AccessToken => "access_token",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "refresh_token" => Some(CredentialKind::RefreshToken),
            "access_token" => Some(CredentialKind::AccessToken),
            _ => None,
        }
    }
}

/// Persisted credential state of an account (scheduling.md §1). Runtime-only states such as
/// `cooling` or `busy` are derived by the scheduler and never stored here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    Active,
    ReauthRequired,
}

impl CredentialState {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialState::Active => "active",
            CredentialState::ReauthRequired => "reauth_required",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(CredentialState::Active),
            "reauth_required" => Some(CredentialState::ReauthRequired),
            _ => None,
        }
    }
}

/// One account row. `credentials_sealed` is whatever the `SecretStore` returned from
/// `seal`: ciphertext on the server, a keyring reference on the desktop; never plaintext.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// Stable identity used for de-duplication (workspace id + user id, or a token hash).
    pub identity_key: String,
    pub email: Option<String>,
    pub chatgpt_account_id: Option<String>,
    pub chatgpt_user_id: Option<String>,
    pub plan_type: Option<String>,
    pub kind: CredentialKind,
    pub credentials_sealed: String,
    pub credential_generation: i64,
    pub access_expires_at: Option<i64>,
    pub last_refreshed_at: Option<i64>,
    pub state: CredentialState,
    pub state_reason: Option<String>,
    pub enabled: bool,
    pub paused: bool,
    pub proxy_url: Option<String>,
    pub note: Option<String>,
    pub scheduler_priority: i64,
    /// Replaces the plan weight of the dispatch score (scheduling.md §3); `None` = by plan.
    pub score_bias_override: Option<i64>,
    /// Replaces the global `max_concurrency` as this account's base (§4).
    pub base_concurrency_override: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

impl Account {
    /// An enabled, active refresh-token account that was never stored, named `acct-{id}`:
    /// the starting point of hand-made pools (the scheduler's tests, the pick benchmark).
    pub fn unsaved(id: i64) -> Self {
        Account {
            id,
            name: format!("acct-{id}"),
            identity_key: format!("id-{id}"),
            email: None,
            chatgpt_account_id: None,
            chatgpt_user_id: None,
            plan_type: None,
            kind: CredentialKind::RefreshToken,
            credentials_sealed: String::new(),
            credential_generation: 1,
            access_expires_at: None,
            last_refreshed_at: None,
            state: CredentialState::Active,
            state_reason: None,
            enabled: true,
            paused: false,
            proxy_url: None,
            note: None,
            scheduler_priority: 0,
            score_bias_override: None,
            base_concurrency_override: None,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    pub name: String,
    pub identity_key: String,
    pub email: Option<String>,
    pub chatgpt_account_id: Option<String>,
    pub chatgpt_user_id: Option<String>,
    pub plan_type: Option<String>,
    pub kind: CredentialKind,
    pub credentials_sealed: String,
    pub access_expires_at: Option<i64>,
    pub last_refreshed_at: Option<i64>,
    pub proxy_url: Option<String>,
    pub note: Option<String>,
    pub now: i64,
}

/// A partial update; `None` leaves a field alone. For nullable columns the inner `Option`
/// distinguishes "set to NULL" (`Some(None)`) from "leave alone" (`None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub plan_type: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
    pub proxy_url: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub scheduler_priority: Option<i64>,
    pub score_bias_override: Option<Option<i64>>,
    pub base_concurrency_override: Option<Option<i64>>,
    pub state: Option<CredentialState>,
    pub state_reason: Option<Option<String>>,
    pub now: i64,
}

/// New sealed credentials after a refresh or a re-import.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialUpdate {
    pub credentials_sealed: String,
    pub access_expires_at: Option<i64>,
    pub last_refreshed_at: Option<i64>,
    /// Identity facts learned from the new tokens; `None` keeps the stored value.
    pub email: Option<String>,
    pub plan_type: Option<String>,
    /// A successful write always reactivates the credential.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CredentialWrite {
    pub account: Account,
    /// False when another writer bumped the generation in between (a lease violation).
    pub generation_matched: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountFilter {
    /// Substring of name or email, case-insensitive for ASCII letters only (SQLite's
    /// folding), so both backends match the same rows.
    pub search: Option<String>,
    pub enabled: Option<bool>,
    pub state: Option<CredentialState>,
    /// 1-based; values below 1 mean the first page.
    pub page: i64,
    /// Clamped to `1..=MAX_PAGE_SIZE`; `<= 0` means `DEFAULT_PAGE_SIZE`.
    pub page_size: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AccountCounts {
    /// Live (not deleted) accounts.
    pub total: i64,
    pub enabled: i64,
    pub reauth_required: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAccountEvent {
    pub account_id: i64,
    /// Stable machine word: `imported`, `refreshed`, `refresh_failed`, `reauth_required`, …
    pub kind: String,
    /// Human detail; never a token.
    pub detail: Option<String>,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountEvent {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub detail: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// Keyed hash of the full key; the key itself is never stored.
    pub key_hash: String,
    /// Masked preview such as `sk-ab12…9f3e`.
    pub key_preview: String,
    pub enabled: bool,
    /// Requests per minute; 0 = unlimited.
    pub rpm: i64,
    /// In-flight cap; 0 = unlimited.
    pub max_concurrency: i64,
    /// Total token quota; 0 = unlimited.
    pub token_quota: i64,
    pub tokens_used: i64,
    /// Allowed model names; empty = all.
    pub allowed_models: Vec<String>,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewApiKey {
    pub name: String,
    pub key_hash: String,
    pub key_preview: String,
    pub rpm: i64,
    pub max_concurrency: i64,
    pub token_quota: i64,
    pub allowed_models: Vec<String>,
    pub expires_at: Option<i64>,
    pub now: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiKeyPatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub rpm: Option<i64>,
    pub max_concurrency: Option<i64>,
    pub token_quota: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    pub expires_at: Option<Option<i64>>,
    pub now: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewUsageLog {
    pub created_at: i64,
    pub request_id: String,
    pub api_key_id: Option<i64>,
    pub account_id: Option<i64>,
    /// Inbound route, e.g. `/v1/messages`.
    pub endpoint: String,
    /// Upstream route, e.g. `/responses`.
    pub upstream_endpoint: Option<String>,
    pub requested_model: Option<String>,
    pub effective_model: Option<String>,
    pub stream: bool,
    pub status_code: i64,
    pub error_kind: Option<String>,
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub first_token_ms: Option<i64>,
    pub duration_ms: i64,
    pub attempts: i64,
    /// Routing-trace summary as JSON text.
    pub trace: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UsageLog {
    pub id: i64,
    pub row: NewUsageLog,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageFilter {
    /// Inclusive lower bound, unix ms.
    pub start: Option<i64>,
    /// Exclusive upper bound, unix ms.
    pub end: Option<i64>,
    /// Matches rows whose requested or effective model equals this exactly.
    pub model: Option<String>,
    pub account_id: Option<i64>,
    pub api_key_id: Option<i64>,
    /// `Some(true)`: status < 400 only; `Some(false)`: errors only.
    pub success: Option<bool>,
    pub stream: Option<bool>,
    /// 1-based; values below 1 mean the first page.
    pub page: i64,
    /// Clamped to `1..=MAX_PAGE_SIZE`; `<= 0` means `DEFAULT_PAGE_SIZE`.
    pub page_size: i64,
}
