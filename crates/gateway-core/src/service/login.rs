//! Adding an account by signing in (authorization code + PKCE, upstream.md §4.2). The pending
//! login lives in the cache for 30 minutes, so any replica can finish it. The code arrives
//! either at a local callback listener on 127.0.0.1:1455 (browser on the same machine) or as
//! the callback URL the user pastes back.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::accounts::import::{store_tokens, Hints};
use super::accounts::{reload, AccountView};
use super::credentials::Credentials;
use super::now_ms;
use crate::state::AppState;
use crate::upstream::login::{
    parse_callback, PendingLogin, AUTHORIZE_URL, DEFAULT_ORIGINATOR, DEFAULT_REDIRECT_URI,
    PENDING_LOGIN_TTL_SECS,
};
use crate::upstream::oauth::ExchangeError;
use crate::upstream::timestamp::{format_rfc3339_ms, now_unix};

const TTL: Duration = Duration::from_secs(PENDING_LOGIN_TTL_SECS as u64);

#[derive(Debug, thiserror::Error)]
pub enum LoginFailure {
    #[error("this login expired or does not exist; start again")]
    UnknownSession,
    #[error("{0}")]
    Input(String),
    #[error("sign-in failed: {0}")]
    Exchange(String),
    #[error("login state unavailable: {0}")]
    Cache(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct LoginStart {
    pub session_id: String,
    pub auth_url: String,
    pub redirect_uri: String,
    pub expires_at: String,
    /// True when this process is listening for the browser's redirect itself.
    pub callback_listener: bool,
}

/// What is kept between handing out the URL and receiving the code.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    state: String,
    verifier: String,
    redirect_uri: String,
    proxy_url: Option<String>,
    status: LoginStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoginStatus {
    Pending,
    Completed { account_id: i64 },
    Failed { error: String },
}

fn key(session_id: &str) -> String {
    format!("oauth-login:{session_id}")
}

pub async fn start(
    state: &AppState,
    redirect_uri: Option<String>,
    proxy_url: Option<String>,
    listen: bool,
) -> Result<LoginStart, LoginFailure> {
    let redirect_uri = redirect_uri
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned());
    let pending = PendingLogin::start(
        AUTHORIZE_URL,
        &redirect_uri,
        DEFAULT_ORIGINATOR,
        &[],
        now_unix(),
    )
    .map_err(|e| LoginFailure::Input(e.to_string()))?;
    let session_id = uuid::Uuid::now_v7().simple().to_string();
    let stored = Stored {
        state: pending.state.clone(),
        verifier: pending.pkce.verifier.clone(),
        redirect_uri: redirect_uri.clone(),
        proxy_url,
        status: LoginStatus::Pending,
    };
    save(state, &session_id, &stored).await?;
    let callback_listener =
        listen && super::login_listener::spawn(state, &session_id, &redirect_uri).await;
    Ok(LoginStart {
        session_id,
        auth_url: pending.auth_url,
        redirect_uri,
        expires_at: format_rfc3339_ms(now_ms() + PENDING_LOGIN_TTL_SECS * 1000),
        callback_listener,
    })
}

/// Finishes a login from a pasted callback URL, a query, or a bare code.
pub async fn exchange(
    state: &AppState,
    session_id: &str,
    pasted: &str,
) -> Result<AccountView, LoginFailure> {
    let mut stored = load(state, session_id).await?;
    if let LoginStatus::Completed { account_id } = stored.status {
        let account = state
            .store()
            .get_account(account_id)
            .await
            .map_err(|e| LoginFailure::Exchange(e.to_string()))?;
        return Ok(AccountView::build(state, &account));
    }
    let params = parse_callback(pasted).map_err(|e| LoginFailure::Input(e.to_string()))?;
    params
        .check_state(&stored.state)
        .map_err(|e| LoginFailure::Input(e.to_string()))?;
    let oauth = state.pool().refresher().oauth();
    let result = oauth
        .exchange_code(&params.code, &stored.redirect_uri, &stored.verifier)
        .await;
    let tokens = match result {
        Ok(tokens) => tokens,
        Err(err) => {
            let message = describe(&err);
            stored.status = LoginStatus::Failed {
                error: message.clone(),
            };
            save(state, session_id, &stored).await?;
            return Err(LoginFailure::Exchange(message));
        }
    };
    let creds = Credentials {
        refresh_token: tokens.refresh_token.clone(),
        access_token: Some(tokens.access_token.clone()),
        id_token: tokens.id_token.clone(),
    };
    let now = now_ms();
    let stored_account = store_tokens(
        state,
        creds,
        Some(tokens.expires_at.saturating_mul(1000)),
        Some(now),
        &Hints::default(),
        stored.proxy_url.as_deref(),
    )
    .await;
    let account = match stored_account {
        Ok((_, account)) => account,
        Err(message) => {
            stored.status = LoginStatus::Failed {
                error: message.clone(),
            };
            save(state, session_id, &stored).await?;
            return Err(LoginFailure::Exchange(message));
        }
    };
    stored.status = LoginStatus::Completed {
        account_id: account.id,
    };
    save(state, session_id, &stored).await?;
    reload(state).await;
    Ok(AccountView::build(state, &account))
}

pub async fn poll(state: &AppState, session_id: &str) -> Result<LoginStatus, LoginFailure> {
    Ok(load(state, session_id).await?.status)
}

async fn load(state: &AppState, session_id: &str) -> Result<Stored, LoginFailure> {
    let raw = state
        .cache()
        .get(&key(session_id))
        .await
        .map_err(|e| LoginFailure::Cache(e.to_string()))?;
    let raw = raw.ok_or(LoginFailure::UnknownSession)?;
    serde_json::from_str(&raw).map_err(|_| LoginFailure::UnknownSession)
}

async fn save(state: &AppState, session_id: &str, stored: &Stored) -> Result<(), LoginFailure> {
    let raw = serde_json::to_string(stored).map_err(|e| LoginFailure::Cache(e.to_string()))?;
    state
        .cache()
        .set(&key(session_id), &raw, TTL)
        .await
        .map_err(|e| LoginFailure::Cache(e.to_string()))
}

fn describe(err: &ExchangeError) -> String {
    match err {
        ExchangeError::Rejected { .. } => {
            "the sign-in code was refused (expired or already used); start again".into()
        }
        other => other.to_string(),
    }
}
