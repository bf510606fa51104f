//! Account use cases for the admin API: listing with the derived status, edits, deletion,
//! manual refresh and the Codex `auth.json` export. Imports live in `import`, batch actions
//! in `batch`.

pub mod batch;
pub mod import;
pub mod test;
mod view;

use serde_json::{json, Value};
pub use view::{AccountStatus, AccountView};

use crate::scheduler::refresh::{RefreshCause, RefreshFailure};
use crate::service::credentials;
use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{Account, AccountFilter, AccountPatch, NewAccountEvent, Page, StoreError};
use crate::upstream::timestamp::format_rfc3339_ms;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("account not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("refresh failed: {0}")]
    Refresh(#[from] RefreshFailure),
    #[error("credentials cannot be opened: {0}")]
    Secret(String),
    #[error("database error: {0}")]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AccountError::NotFound,
            other => AccountError::Store(other),
        }
    }
}

/// Fields an admin may change on one account.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
    /// An empty string clears the proxy.
    pub proxy_url: Option<String>,
    pub note: Option<String>,
    pub scheduler_priority: Option<i64>,
    /// `null` goes back to the plan weight; absent keeps the stored value.
    #[serde(default, deserialize_with = "present")]
    pub score_bias_override: Option<Option<i64>>,
    /// `null` goes back to the global `max_concurrency`; absent keeps the stored value.
    #[serde(default, deserialize_with = "present")]
    pub base_concurrency_override: Option<Option<i64>>,
}

/// A field that is present, even as `null`, is `Some`: `null` then means "clear".
fn present<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(de).map(Some)
}

/// The dispatch score's plan weight is 0 or 50: a bias outside this range would swamp the
/// health score it is added to.
const SCORE_BIAS_RANGE: std::ops::RangeInclusive<i64> = -100..=200;
/// 0 = unlimited, like the global setting.
const BASE_CONCURRENCY_RANGE: std::ops::RangeInclusive<i64> = 0..=1_000;

pub async fn list(
    state: &AppState,
    filter: &AccountFilter,
) -> Result<Page<AccountView>, AccountError> {
    let page = state.store().list_accounts(filter).await?;
    let items = page
        .items
        .iter()
        .map(|a| AccountView::build(state, a))
        .collect();
    Ok(Page {
        items,
        total: page.total,
    })
}

pub async fn get(state: &AppState, id: i64) -> Result<(AccountView, Vec<Value>), AccountError> {
    let account = live(state, id).await?;
    let events = state.store().account_events(id, 20).await?;
    let events = events
        .into_iter()
        .map(|e| json!({"kind": e.kind, "detail": e.detail, "created_at": format_rfc3339_ms(e.created_at)}))
        .collect();
    Ok((AccountView::build(state, &account), events))
}

pub async fn update(
    state: &AppState,
    id: i64,
    update: AccountUpdate,
) -> Result<AccountView, AccountError> {
    live(state, id).await?;
    if let Some(name) = &update.name {
        if name.trim().is_empty() {
            return Err(AccountError::Invalid("name must not be empty".into()));
        }
    }
    if let Some(p) = update.scheduler_priority {
        if !(-100..=100).contains(&p) {
            return Err(AccountError::Invalid(
                "scheduler_priority must be between -100 and 100".into(),
            ));
        }
    }
    if let Some(Some(b)) = update.score_bias_override {
        if !SCORE_BIAS_RANGE.contains(&b) {
            return Err(AccountError::Invalid(
                "score_bias_override must be between -100 and 200, or null".into(),
            ));
        }
    }
    if let Some(Some(c)) = update.base_concurrency_override {
        if !BASE_CONCURRENCY_RANGE.contains(&c) {
            return Err(AccountError::Invalid(
                "base_concurrency_override must be between 0 (unlimited) and 1000, or null".into(),
            ));
        }
    }
    let proxy_url = match update.proxy_url.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(url) => Some(Some(validate_proxy(url)?)),
    };
    let patch = AccountPatch {
        name: update.name.map(|n| n.trim().to_owned()),
        enabled: update.enabled,
        paused: update.paused,
        proxy_url,
        note: update
            .note
            .map(|n| Some(n).filter(|n| !n.trim().is_empty())),
        scheduler_priority: update.scheduler_priority,
        score_bias_override: update.score_bias_override,
        base_concurrency_override: update.base_concurrency_override,
        now: now_ms(),
        ..AccountPatch::default()
    };
    let account = state.store().update_account(id, &patch).await?;
    reload(state).await;
    Ok(AccountView::build(state, &account))
}

pub async fn delete(state: &AppState, id: i64) -> Result<(), AccountError> {
    let account = live(state, id).await?;
    state.store().delete_account(id).await?;
    // The keyring keeps an entry per account; the encrypted store has nothing to forget.
    let name = credentials::secret_name(&account.identity_key);
    if let Err(e) = state.secrets().remove(&name).await {
        tracing::warn!(account_id = id, error = %e, "cannot remove the account's secret");
    }
    event(state, id, "deleted", None).await;
    reload(state).await;
    Ok(())
}

/// `POST /accounts/{id}/refresh`: exchanges the refresh token now.
pub async fn refresh_now(state: &AppState, id: i64) -> Result<AccountView, AccountError> {
    live(state, id).await?;
    let fresh = state
        .pool()
        .refresher()
        .refresh(state, id, RefreshCause::Manual)
        .await;
    reload(state).await;
    let fresh = fresh?;
    Ok(AccountView::build(state, &fresh.account))
}

/// The Codex CLI's `auth.json` for one account: the one place a full token leaves the
/// gateway, on an explicit admin request.
pub async fn export_auth_json(state: &AppState, id: i64) -> Result<Value, AccountError> {
    let account = live(state, id).await?;
    let creds = credentials::open(state.secrets().as_ref(), &account)
        .await
        .map_err(|e| AccountError::Secret(e.to_string()))?;
    event(state, id, "exported", Some("auth.json")).await;
    Ok(json!({
        "OPENAI_API_KEY": null,
        "tokens": {
            "id_token": creds.id_token,
            "access_token": creds.access_token,
            "refresh_token": creds.refresh_token,
            "account_id": account.chatgpt_account_id,
        },
        "last_refresh": account.last_refreshed_at.map(format_rfc3339_ms),
    }))
}

/// A live (not deleted) account.
pub(crate) async fn live(state: &AppState, id: i64) -> Result<Account, AccountError> {
    let account = state.store().get_account(id).await?;
    if account.deleted_at.is_some() {
        return Err(AccountError::NotFound);
    }
    Ok(account)
}

pub(crate) fn validate_proxy(url: &str) -> Result<String, AccountError> {
    let parsed =
        url::Url::parse(url).map_err(|_| AccountError::Invalid("proxy_url is not a URL".into()))?;
    if !matches!(parsed.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(AccountError::Invalid(
            "proxy_url must be http, https, socks5 or socks5h".into(),
        ));
    }
    Ok(url.to_owned())
}

/// Rebuilds the pool snapshot after a change; a failure only delays the change.
/// Rebuilds the pool snapshot after a change here, and tells the other replicas to.
pub(crate) async fn reload(state: &AppState) {
    if let Err(e) = state.pool().reload(state).await {
        tracing::warn!(error = %e, "cannot reload the account pool");
    }
    state.pool().announce_change(false, true);
}

pub(crate) async fn event(state: &AppState, id: i64, kind: &str, detail: Option<&str>) {
    let event = NewAccountEvent {
        account_id: id,
        kind: kind.to_owned(),
        detail: detail.map(str::to_owned),
        now: now_ms(),
    };
    if let Err(e) = state.store().append_account_event(&event).await {
        tracing::warn!(account_id = id, error = %e, "cannot record account event");
    }
}
