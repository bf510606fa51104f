//! Turning parsed import candidates into accounts. A refresh token is exchanged once to learn
//! who it belongs to, and the rotated token is stored the moment it arrives; an account that
//! already exists (same identity) is updated instead of duplicated.

use serde::Serialize;

use super::{event, reload, validate_proxy, AccountError};
use crate::service::credentials::{self, Credentials};
use crate::service::import::{ImportCandidate, ImportParse};
use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{Account, CredentialKind, CredentialUpdate, NewAccount, StoreError};
use crate::upstream::jwt::AccountIdentity;
use crate::upstream::oauth::RefreshError;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub proxy_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum LineOutcome {
    Added,
    Updated,
    Failed,
}

/// What happened to one line or entry of the payload.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct LineResult {
    pub position: usize,
    pub outcome: LineOutcome,
    pub account_id: Option<i64>,
    pub email: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ImportSummary {
    pub total: usize,
    pub added: usize,
    pub updated: usize,
    /// Entries repeated within the payload (the first occurrence was imported).
    pub duplicate: usize,
    pub failed: usize,
    pub results: Vec<LineResult>,
}

impl ImportSummary {
    pub fn success(&self) -> usize {
        self.added + self.updated
    }

    fn push(&mut self, result: LineResult) {
        match result.outcome {
            LineOutcome::Added => self.added += 1,
            LineOutcome::Updated => self.updated += 1,
            LineOutcome::Failed => self.failed += 1,
        }
        self.results.push(result);
    }
}

/// Imports every candidate in order, calling `progress(summary, done)` after each one.
pub async fn import(
    state: &AppState,
    parsed: ImportParse,
    options: &ImportOptions,
    mut progress: impl FnMut(&ImportSummary, usize),
) -> Result<ImportSummary, AccountError> {
    let proxy_url = match options.proxy_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => Some(validate_proxy(url)?),
        _ => None,
    };
    let mut summary = ImportSummary {
        total: parsed.entries.len() + parsed.errors.len() + parsed.duplicates,
        duplicate: parsed.duplicates,
        ..ImportSummary::default()
    };
    for err in parsed.errors {
        summary.push(LineResult {
            position: err.line_or_index,
            outcome: LineOutcome::Failed,
            account_id: None,
            email: None,
            error: Some(err.reason),
        });
    }
    let mut done = summary.failed + summary.duplicate;
    for candidate in parsed.entries {
        let position = candidate.position;
        let result = match import_one(state, candidate, proxy_url.as_deref()).await {
            Ok((outcome, account)) => LineResult {
                position,
                outcome,
                account_id: Some(account.id),
                email: account.email.clone(),
                error: None,
            },
            Err(error) => LineResult {
                position,
                outcome: LineOutcome::Failed,
                account_id: None,
                email: None,
                error: Some(error),
            },
        };
        summary.push(result);
        done += 1;
        progress(&summary, done);
    }
    summary.results.sort_by_key(|r| r.position);
    reload(state).await;
    Ok(summary)
}

/// One candidate; the error string is user-facing and never contains a token.
async fn import_one(
    state: &AppState,
    candidate: ImportCandidate,
    proxy_url: Option<&str>,
) -> Result<(LineOutcome, Account), String> {
    let now = now_ms();
    let (creds, expires_at, refreshed_at) = match &candidate.refresh_token {
        Some(rt) => {
            // The exchange leaves through the account's own proxy, like all its traffic.
            let client = state
                .pool()
                .refresher()
                .client_for(proxy_url)
                .map_err(describe_refresh_error)?;
            let tokens = client.refresh(rt).await.map_err(describe_refresh_error)?;
            let creds = Credentials {
                refresh_token: Some(tokens.refresh_token_or(rt).to_owned()),
                access_token: Some(tokens.access_token),
                id_token: tokens.id_token.or(candidate.id_token.clone()),
            };
            (
                creds,
                Some(tokens.expires_at.saturating_mul(1000)),
                Some(now),
            )
        }
        None => {
            let at = candidate
                .access_token
                .clone()
                .ok_or("no token in this entry")?;
            let claims = AccountIdentity::from_tokens(candidate.id_token.as_deref(), Some(&at));
            let expires = claims
                .access_expires_at
                .or(candidate.expires_at)
                .map(|s| s.saturating_mul(1000));
            if expires.is_some_and(|exp| exp <= now) {
                return Err("access token has expired".into());
            }
            let creds = Credentials {
                refresh_token: None,
                access_token: Some(at),
                id_token: candidate.id_token.clone(),
            };
            (creds, expires, None)
        }
    };
    let hints = Hints {
        name: candidate.name.clone(),
        email: candidate.email.clone(),
        plan_type: candidate.plan_type.clone(),
        account_id: candidate.account_id.clone(),
        user_id: candidate.user_id.clone(),
        refresh_token_for_key: candidate.refresh_token.clone(),
    };
    store_tokens(state, creds, expires_at, refreshed_at, &hints, proxy_url).await
}

/// What an import file (or a login) said about the account, used where the tokens are silent.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub name: Option<String>,
    pub email: Option<String>,
    pub plan_type: Option<String>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    /// The token as presented, for the fallback identity key of accounts without claims.
    pub refresh_token_for_key: Option<String>,
}

/// Seals fresh tokens and adds the account, or updates the one with the same identity.
/// `expires_at` and `refreshed_at` are unix ms.
pub async fn store_tokens(
    state: &AppState,
    creds: Credentials,
    expires_at: Option<i64>,
    refreshed_at: Option<i64>,
    hints: &Hints,
    proxy_url: Option<&str>,
) -> Result<(LineOutcome, Account), String> {
    let now = now_ms();
    let identity =
        AccountIdentity::from_tokens(creds.id_token.as_deref(), creds.access_token.as_deref());
    let key = identity
        .identity_key(
            hints
                .refresh_token_for_key
                .as_deref()
                .or(creds.refresh_token.as_deref()),
            creds.access_token.as_deref(),
        )
        .ok_or("cannot tell which account this token belongs to")?;
    let email = identity.email.clone().or(hints.email.clone());
    let plan = identity.plan_type.clone().or(hints.plan_type.clone());
    let sealed = credentials::seal(state.secrets().as_ref(), &key, &creds)
        .await
        .map_err(|e| format!("cannot seal the token: {e}"))?;
    let update = CredentialUpdate {
        credentials_sealed: sealed.clone(),
        access_expires_at: expires_at,
        last_refreshed_at: refreshed_at,
        email: email.clone(),
        plan_type: plan.clone(),
        now,
    };
    if let Some(existing) = find(state, &key).await? {
        return update_existing(state, &existing, &update).await;
    }
    let new = NewAccount {
        name: hints
            .name
            .clone()
            .or(email.clone())
            .unwrap_or_else(|| format!("account {}", &key[..key.len().min(18)])),
        identity_key: key.clone(),
        email,
        chatgpt_account_id: identity
            .chatgpt_account_id
            .clone()
            .or(hints.account_id.clone()),
        chatgpt_user_id: identity.user_id.clone().or(hints.user_id.clone()),
        plan_type: plan,
        kind: if creds.refresh_token.is_some() {
            CredentialKind::RefreshToken
        } else {
            CredentialKind::AccessToken
        },
        credentials_sealed: sealed,
        access_expires_at: expires_at,
        last_refreshed_at: refreshed_at,
        proxy_url: proxy_url.map(str::to_owned),
        note: None,
        now,
    };
    match state.store().insert_account(&new).await {
        Ok(account) => {
            event(state, account.id, "imported", Some(account.kind.as_str())).await;
            Ok((LineOutcome::Added, account))
        }
        // Another import of the same account won the race: update that one instead.
        Err(StoreError::Conflict(_)) => match find(state, &key).await? {
            Some(existing) => update_existing(state, &existing, &update).await,
            None => Err("conflicting import; try again".into()),
        },
        Err(e) => Err(format!("database error: {e}")),
    }
}

async fn find(state: &AppState, key: &str) -> Result<Option<Account>, String> {
    state
        .store()
        .find_account_by_identity(key)
        .await
        .map_err(|e| format!("database error: {e}"))
}

async fn update_existing(
    state: &AppState,
    existing: &Account,
    update: &CredentialUpdate,
) -> Result<(LineOutcome, Account), String> {
    let written = state
        .store()
        .write_credentials(existing.id, existing.credential_generation, update)
        .await
        .map_err(|e| format!("database error: {e}"))?;
    event(state, existing.id, "reimported", None).await;
    Ok((LineOutcome::Updated, written.account))
}

fn describe_refresh_error(err: RefreshError) -> String {
    match err {
        RefreshError::Terminal { reason, .. } => {
            format!(
                "refresh token rejected ({}): sign in again or paste a newer token",
                reason.as_str()
            )
        }
        RefreshError::ClientRejected { code, .. } => {
            format!("the token endpoint refused our OAuth client ({code})")
        }
        RefreshError::Transient { message, .. } => format!("token endpoint unavailable: {message}"),
    }
}
