//! Token refresh with rotation safety (scheduling.md §10): single-flight per account in
//! process, a lease in the cache across processes, the rotated token stored durably before
//! anything else happens, and terminal failures persisted as `reauth_required`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cache::{Cache, Lease};
use crate::service::credentials::{self, Credentials};
use crate::service::{failpoint, now_ms};
use crate::state::AppState;
use crate::store::{
    Account, AccountPatch, CredentialKind, CredentialState, CredentialUpdate, NewAccountEvent,
};
use crate::upstream::jwt::{token_fingerprint, AccountIdentity};
use crate::upstream::oauth::{OAuthClient, RefreshError, TokenSet};

const LEASE_TTL: Duration = Duration::from_secs(30);
const LEASE_RENEW_EVERY: Duration = Duration::from_secs(10);
const LEASE_POLL: Duration = Duration::from_millis(100);
/// The longest a holder may take; waiters give up after this.
const LEASE_MAX_WAIT: Duration = Duration::from_secs(240);
const RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
const WRITE_ATTEMPTS: u32 = 8;

/// Why a refresh was asked for; decides when a token someone else just refreshed is adopted.
#[derive(Debug, Clone)]
pub enum RefreshCause {
    /// The access token must stay valid for at least this long (ms).
    Expiring { min_validity_ms: i64 },
    /// The upstream answered 401 to this access token.
    Unauthorized { failed_access_token: String },
    /// The admin asked; always exchanges the token.
    Manual,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshFailure {
    #[error("account not found")]
    NotFound,
    #[error("account cannot be refreshed: {0}")]
    NotRefreshable(&'static str),
    #[error("re-authentication required: {reason}")]
    ReauthRequired { reason: String },
    #[error(transparent)]
    Upstream(RefreshError),
    #[error("refresh lease unavailable: {0}")]
    Lease(String),
    #[error("store error during refresh: {0}")]
    Store(String),
    #[error("credentials cannot be opened: {0}")]
    Secret(String),
}

impl RefreshFailure {
    /// Worth trying again later (the token endpoint, the lease or the store had a bad moment).
    pub fn is_transient(&self) -> bool {
        match self {
            RefreshFailure::Upstream(err) => err.is_retryable(),
            RefreshFailure::Lease(_) | RefreshFailure::Store(_) => true,
            _ => false,
        }
    }
}

/// The account and its tokens after a successful refresh (or an adopted one).
#[derive(Debug, Clone)]
pub struct Fresh {
    pub account: Account,
    pub credentials: Credentials,
}

#[derive(Clone)]
pub struct Refresher {
    oauth: OAuthClient,
    flights: Arc<Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>,
    /// One token-endpoint client per egress proxy: a refresh leaves through the account's own
    /// proxy, like its generation traffic (upstream.md §4.1).
    proxied: Arc<Mutex<HashMap<String, OAuthClient>>>,
}

impl Refresher {
    pub fn new(oauth: OAuthClient) -> Self {
        Refresher {
            oauth,
            flights: Arc::default(),
            proxied: Arc::default(),
        }
    }

    /// The token-endpoint client, for imports and logins that have no account yet.
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// Refreshes one account. Concurrent callers for the same account wait for the first
    /// and then adopt its result. The work runs on a detached task, so a caller that goes
    /// away cannot interrupt the window between the token endpoint's answer and the write.
    pub async fn refresh(
        &self,
        state: &AppState,
        account_id: i64,
        cause: RefreshCause,
    ) -> Result<Fresh, RefreshFailure> {
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.entry(account_id).or_default().clone()
        };
        let this = self.clone();
        let state = state.clone();
        let task = tokio::spawn(async move {
            let _single = flight.lock_owned().await;
            let outcome = this.refresh_locked(&state, account_id, &cause).await;
            if let Err(failure) = &outcome {
                state.usage().metrics().refresh_failure(failure);
            }
            outcome
        });
        task.await
            .map_err(|e| RefreshFailure::Store(format!("refresh task failed: {e}")))?
    }

    async fn refresh_locked(
        &self,
        state: &AppState,
        account_id: i64,
        cause: &RefreshCause,
    ) -> Result<Fresh, RefreshFailure> {
        let mut adopted_after_terminal = false;
        loop {
            let (account, creds) = load(state, account_id).await?;
            if adopt(&account, &creds, cause) {
                return Ok(Fresh {
                    account,
                    credentials: creds,
                });
            }
            let refresh_token = creds
                .refresh_token
                .clone()
                .ok_or(RefreshFailure::NotRefreshable("no refresh token"))?;
            let lease = acquire_lease(state.cache().as_ref(), &refresh_token).await?;
            // Inside the lease: re-read, since another process may have rotated meanwhile.
            let (account, creds) = match load(state, account_id).await {
                Ok(loaded) => loaded,
                Err(e) => {
                    release(state.cache().as_ref(), &lease).await;
                    return Err(e);
                }
            };
            if creds.refresh_token.as_deref() != Some(refresh_token.as_str())
                || adopt(&account, &creds, cause)
            {
                release(state.cache().as_ref(), &lease).await;
                if adopt(&account, &creds, cause) {
                    return Ok(Fresh {
                        account,
                        credentials: creds,
                    });
                }
                continue;
            }
            let renewer = spawn_renewer(state.cache().clone(), lease.clone());
            let outcome = match self.client_for(account.proxy_url.as_deref()) {
                Ok(client) => exchange(&client, &refresh_token).await,
                Err(err) => Err(err),
            };
            let result = match outcome {
                Ok(tokens) => persist(state, &account, &creds, &refresh_token, tokens).await,
                Err(err) => Err(err),
            };
            renewer.abort();
            release(state.cache().as_ref(), &lease).await;
            match result {
                Ok(fresh) => return Ok(fresh),
                Err(RefreshError::Terminal { reason, .. }) => {
                    // A lost race looks exactly like a dead token: check for a newer one first.
                    let (_, now) = load(state, account_id).await?;
                    if !adopted_after_terminal
                        && now.refresh_token.as_deref() != Some(refresh_token.as_str())
                    {
                        adopted_after_terminal = true;
                        continue;
                    }
                    return Err(mark_reauth(state, account_id, reason.as_str()).await);
                }
                Err(err) => {
                    record_event(state, account_id, "refresh_failed", &err.to_string()).await;
                    return Err(RefreshFailure::Upstream(err));
                }
            }
        }
    }

    /// The token-endpoint client that leaves through `proxy` (the shared one without).
    pub fn client_for(&self, proxy: Option<&str>) -> Result<OAuthClient, RefreshError> {
        let Some(proxy) = proxy.filter(|p| !p.trim().is_empty()) else {
            return Ok(self.oauth.clone());
        };
        let mut cache = self.proxied.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = cache.get(proxy) {
            return Ok(client.clone());
        }
        // The proxy URL may carry credentials: the error never quotes it.
        let invalid = || RefreshError::Transient {
            status: None,
            message: "the account's proxy URL is not usable".into(),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .proxy(reqwest::Proxy::all(proxy).map_err(|_| invalid())?)
            .build()
            .map_err(|_| invalid())?;
        let client =
            OAuthClient::new(http, self.oauth.token_url()).with_client_id(self.oauth.client_id());
        cache.insert(proxy.to_owned(), client.clone());
        Ok(client)
    }
}

/// One refresh with the immediate retries of scheduling.md §10.4.
async fn exchange(client: &OAuthClient, refresh_token: &str) -> Result<TokenSet, RefreshError> {
    let mut attempt = 0;
    loop {
        match client.refresh(refresh_token).await {
            Err(err) if err.is_retryable() && attempt < RETRY_DELAYS.len() => {
                tokio::time::sleep(RETRY_DELAYS[attempt]).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

async fn load(state: &AppState, account_id: i64) -> Result<(Account, Credentials), RefreshFailure> {
    let account = state
        .store()
        .get_account(account_id)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => RefreshFailure::NotFound,
            other => RefreshFailure::Store(other.to_string()),
        })?;
    if account.kind == CredentialKind::AccessToken {
        return Err(RefreshFailure::NotRefreshable("access-token-only account"));
    }
    if account.state == CredentialState::ReauthRequired {
        let reason = account
            .state_reason
            .clone()
            .unwrap_or_else(|| "reauth_required".into());
        return Err(RefreshFailure::ReauthRequired { reason });
    }
    let creds = credentials::open(state.secrets().as_ref(), &account)
        .await
        .map_err(|e| RefreshFailure::Secret(e.to_string()))?;
    Ok((account, creds))
}

/// Whether the stored tokens already satisfy the caller (someone else refreshed).
fn adopt(account: &Account, creds: &Credentials, cause: &RefreshCause) -> bool {
    let Some(access) = creds.access_token.as_deref() else {
        return false;
    };
    match cause {
        RefreshCause::Manual => false,
        RefreshCause::Unauthorized {
            failed_access_token,
        } => access != failed_access_token,
        RefreshCause::Expiring { min_validity_ms } => account
            .access_expires_at
            .is_some_and(|exp| exp > now_ms() + min_validity_ms),
    }
}

/// Stores the rotated tokens before anything else may use them, retrying the write: the old
/// refresh token is dead from the moment the endpoint answered.
async fn persist(
    state: &AppState,
    account: &Account,
    old: &Credentials,
    used_refresh_token: &str,
    tokens: TokenSet,
) -> Result<Fresh, RefreshError> {
    let credentials = Credentials {
        refresh_token: Some(tokens.refresh_token_or(used_refresh_token).to_owned()),
        access_token: Some(tokens.access_token.clone()),
        id_token: tokens.id_token.clone().or_else(|| old.id_token.clone()),
    };
    let identity = AccountIdentity::from_tokens(
        credentials.id_token.as_deref(),
        credentials.access_token.as_deref(),
    );
    failpoint::hit(failpoint::REFRESH_BEFORE_WRITE);
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=WRITE_ATTEMPTS {
        match write(state, account, &credentials, &identity, tokens.expires_at).await {
            Ok(fresh) => {
                failpoint::hit(failpoint::REFRESH_AFTER_WRITE);
                return Ok(fresh);
            }
            Err(err) => {
                tracing::error!(account_id = account.id, attempt, error = %err, "cannot store rotated token; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    Err(RefreshError::Transient {
        status: None,
        message: "rotated token could not be stored".into(),
    })
}

async fn write(
    state: &AppState,
    account: &Account,
    credentials: &Credentials,
    identity: &AccountIdentity,
    expires_at_secs: i64,
) -> Result<Fresh, String> {
    let sealed = credentials::seal(state.secrets().as_ref(), &account.identity_key, credentials)
        .await
        .map_err(|e| e.to_string())?;
    let now = now_ms();
    let update = CredentialUpdate {
        credentials_sealed: sealed,
        access_expires_at: Some(expires_at_secs.saturating_mul(1000)),
        last_refreshed_at: Some(now),
        email: identity.email.clone(),
        plan_type: identity.plan_type.clone(),
        now,
    };
    let written = state
        .store()
        .write_credentials(account.id, account.credential_generation, &update)
        .await
        .map_err(|e| e.to_string())?;
    if !written.generation_matched {
        tracing::error!(
            account_id = account.id,
            "credential generation moved during a leased refresh; kept the newest token"
        );
    }
    Ok(Fresh {
        account: written.account,
        credentials: credentials.clone(),
    })
}

async fn acquire_lease(cache: &dyn Cache, refresh_token: &str) -> Result<Lease, RefreshFailure> {
    let key = format!("refresh-lease:{}", token_fingerprint(refresh_token));
    let deadline = tokio::time::Instant::now() + LEASE_MAX_WAIT;
    loop {
        match cache.try_acquire(&key, LEASE_TTL).await {
            Ok(Some(lease)) => return Ok(lease),
            Ok(None) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(LEASE_POLL).await
            }
            Ok(None) => {
                return Err(RefreshFailure::Lease(
                    "held by another refresher for too long".into(),
                ))
            }
            // Fail closed: refreshing without the lease could spend the token twice.
            Err(e) => return Err(RefreshFailure::Lease(e.to_string())),
        }
    }
}

fn spawn_renewer(cache: Arc<dyn Cache>, lease: Lease) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(LEASE_RENEW_EVERY).await;
            match cache.renew(&lease, LEASE_TTL).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::error!("refresh lease lost while refreshing");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "cannot renew refresh lease"),
            }
        }
    })
}

async fn release(cache: &dyn Cache, lease: &Lease) {
    if let Err(e) = cache.release(lease).await {
        tracing::warn!(error = %e, "cannot release refresh lease; it will lapse");
    }
}

/// Persists `reauth_required` with its reason; never retried automatically afterwards.
pub(crate) async fn mark_reauth(state: &AppState, account_id: i64, reason: &str) -> RefreshFailure {
    let patch = AccountPatch {
        state: Some(CredentialState::ReauthRequired),
        state_reason: Some(Some(reason.to_owned())),
        now: now_ms(),
        ..AccountPatch::default()
    };
    if let Err(e) = state.store().update_account(account_id, &patch).await {
        tracing::error!(account_id, error = %e, "cannot persist reauth_required");
    }
    record_event(state, account_id, "reauth_required", reason).await;
    tracing::warn!(account_id, reason, "account needs re-authentication");
    RefreshFailure::ReauthRequired {
        reason: reason.to_owned(),
    }
}

async fn record_event(state: &AppState, account_id: i64, kind: &str, detail: &str) {
    let event = NewAccountEvent {
        account_id,
        kind: kind.to_owned(),
        detail: Some(detail.to_owned()),
        now: now_ms(),
    };
    if let Err(e) = state.store().append_account_event(&event).await {
        tracing::warn!(account_id, error = %e, "cannot record account event");
    }
}
