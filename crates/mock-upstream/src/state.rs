//! Shared mock state: accounts, issued tokens, per-account counters and rate limits.
//!
//! Locks are std `RwLock`/`Mutex` held only for a map lookup or a field update, so the
//! request hot path never waits behind another request's work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

use crate::config::{AccountCounters, MockConfig, RateLimitState, SeededAccount, TokenSet};
use crate::faults::Faults;
use crate::jwt::{self, Subject};
use crate::log::RequestLog;
use crate::util::{hex, hmac_sha256, lock, now_unix, random_token, random_uuid, read, write};

/// Atomic counters of one account; read as an [`AccountCounters`] snapshot.
#[derive(Default)]
pub(crate) struct Counters {
    pub responses: AtomicU64,
    pub compact: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
    pub refresh: AtomicU64,
    pub reuse: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> AccountCounters {
        AccountCounters {
            responses_requests: self.responses.load(Ordering::Relaxed),
            compact_requests: self.compact.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            refresh_count: self.refresh.load(Ordering::Relaxed),
            refresh_reuse_count: self.reuse.load(Ordering::Relaxed),
        }
    }

    fn reset(&self) {
        let open = self.in_flight.load(Ordering::Relaxed);
        for c in [&self.responses, &self.compact, &self.refresh, &self.reuse] {
            c.store(0, Ordering::Relaxed);
        }
        self.max_in_flight.store(open, Ordering::Relaxed);
    }
}

/// Mutable per-account settings.
pub(crate) struct AccountMut {
    pub rate: RateLimitState,
    /// `prompt_cache_key` → input tokens of the last request that used it.
    pub prompt_cache: HashMap<String, u64>,
    pub delta_delay: Option<Duration>,
}

pub(crate) struct Account {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub plan: String,
    pub counters: Counters,
    pub mutable: Mutex<AccountMut>,
}

impl Account {
    fn subject(&self) -> Subject<'_> {
        Subject {
            account_id: &self.id,
            user_id: &self.user_id,
            email: &self.email,
            plan: &self.plan,
        }
    }
}

pub(crate) struct AccessEntry {
    pub account: Arc<Account>,
    pub exp: AtomicI64,
}

/// Outcome of presenting a refresh token.
pub(crate) enum RefreshOutcome {
    Rotated(Arc<Account>, TokenSet),
    Reused(Arc<Account>),
    Unknown,
}

struct AuthCode {
    account: Arc<Account>,
    challenge: String,
    redirect_uri: Option<String>,
}

/// Why a code exchange failed.
pub(crate) enum CodeError {
    UnknownCode,
    BadVerifier,
    RedirectMismatch,
}

pub(crate) struct State {
    pub config: MockConfig,
    secret: [u8; 32],
    accounts: RwLock<Vec<Arc<Account>>>,
    access: RwLock<HashMap<String, Arc<AccessEntry>>>,
    refresh: Mutex<HashMap<String, (Arc<Account>, bool)>>,
    codes: Mutex<HashMap<String, AuthCode>>,
    pub faults: Faults,
    pub log: RequestLog,
    id_seq: AtomicU64,
    /// Pause between deltas for accounts without their own setting, in microseconds.
    pub default_delay_us: AtomicU64,
}

impl State {
    pub fn new(config: MockConfig) -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let log = RequestLog::new(config.log_capacity);
        let delay_us = u64::try_from(config.delta_delay.as_micros()).unwrap_or(u64::MAX);
        Self {
            secret,
            accounts: RwLock::new(Vec::new()),
            access: RwLock::new(HashMap::new()),
            refresh: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            faults: Faults::default(),
            config,
            log,
            id_seq: AtomicU64::new(1),
            default_delay_us: AtomicU64::new(delay_us),
        }
    }

    /// A process-unique id with a type prefix (`resp_`, `msg_`, …); cheap, no randomness.
    pub fn next_id(&self, prefix: &str) -> String {
        let n = self.id_seq.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{}{n:012x}", hex(&self.secret[..4]))
    }

    pub fn seed(&self, plan: Option<&str>) -> SeededAccount {
        let n = read(&self.accounts).len() + 1;
        let plan = plan.unwrap_or(&self.config.default_plan).to_owned();
        let account = Arc::new(Account {
            id: random_uuid(),
            user_id: format!("user-{}", random_token(12)),
            email: format!("mock-user-{n}@example.com"),
            plan: plan.clone(),
            counters: Counters::default(),
            mutable: Mutex::new(AccountMut {
                rate: RateLimitState::fresh(&plan, now_unix()),
                prompt_cache: HashMap::new(),
                delta_delay: None,
            }),
        });
        write(&self.accounts).push(account.clone());
        let tokens = self.issue(&account);
        SeededAccount {
            account_id: account.id.clone(),
            user_id: account.user_id.clone(),
            email: account.email.clone(),
            plan,
            refresh_token: tokens.refresh_token,
            access_token: tokens.access_token,
            id_token: tokens.id_token,
        }
    }

    pub fn accounts(&self) -> Vec<Arc<Account>> {
        read(&self.accounts).clone()
    }

    pub fn account(&self, id: &str) -> Option<Arc<Account>> {
        read(&self.accounts).iter().find(|a| a.id == id).cloned()
    }

    /// Accounts a control call targets: one (if it exists) or all.
    pub fn targets(&self, id: Option<&str>) -> Vec<Arc<Account>> {
        match id {
            Some(id) => self.account(id).into_iter().collect(),
            None => self.accounts(),
        }
    }

    /// Issues a fresh access/id/refresh token triple for `account`.
    pub fn issue(&self, account: &Arc<Account>) -> TokenSet {
        let iat = now_unix();
        let ttl = i64::try_from(self.config.access_token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let exp = iat + ttl;
        let s = account.subject();
        let access_token = jwt::access_token(&self.secret, &s, iat, exp);
        let id_token = jwt::id_token(&self.secret, &s, iat, exp);
        let refresh_token = format!("rt_{}", random_token(32));
        write(&self.access).insert(
            access_token.clone(),
            Arc::new(AccessEntry {
                account: account.clone(),
                exp: AtomicI64::new(exp),
            }),
        );
        lock(&self.refresh).insert(refresh_token.clone(), (account.clone(), true));
        TokenSet {
            access_token,
            id_token,
            refresh_token,
        }
    }

    pub fn lookup_access(&self, token: &str) -> Option<Arc<AccessEntry>> {
        read(&self.access).get(token).cloned()
    }

    /// Marks every access token of the targeted accounts as expired; returns how many.
    pub fn expire_access(&self, account_id: Option<&str>) -> usize {
        let map = read(&self.access);
        let mut n = 0;
        for e in map.values() {
            if account_id.is_none_or(|id| e.account.id == id) {
                e.exp.store(0, Ordering::Relaxed);
                n += 1;
            }
        }
        n
    }

    /// Rotates a refresh token: the presented one dies, a new triple is issued.
    pub fn refresh(&self, token: &str) -> RefreshOutcome {
        let account = {
            let mut map = lock(&self.refresh);
            match map.get_mut(token) {
                None => return RefreshOutcome::Unknown,
                Some((account, active)) if !*active => {
                    account.counters.reuse.fetch_add(1, Ordering::Relaxed);
                    return RefreshOutcome::Reused(account.clone());
                }
                Some((account, active)) => {
                    *active = false;
                    account.clone()
                }
            }
        };
        account.counters.refresh.fetch_add(1, Ordering::Relaxed);
        let tokens = self.issue(&account);
        RefreshOutcome::Rotated(account, tokens)
    }

    /// The account a refresh token belongs to, live or rotated.
    pub fn refresh_owner(&self, token: &str) -> Option<Arc<Account>> {
        lock(&self.refresh).get(token).map(|(a, _)| a.clone())
    }

    pub fn mint_code(
        &self,
        account_id: &str,
        challenge: &str,
        redirect: Option<&str>,
    ) -> Option<String> {
        let account = self.account(account_id)?;
        let code = format!("ac_{}", random_token(24));
        lock(&self.codes).insert(
            code.clone(),
            AuthCode {
                account,
                challenge: challenge.to_owned(),
                redirect_uri: redirect.map(str::to_owned),
            },
        );
        Some(code)
    }

    /// Exchanges a one-time authorization code (PKCE S256) for tokens.
    pub fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect: Option<&str>,
    ) -> Result<TokenSet, CodeError> {
        let entry = lock(&self.codes)
            .remove(code)
            .ok_or(CodeError::UnknownCode)?;
        if crate::util::pkce_challenge(verifier) != entry.challenge {
            return Err(CodeError::BadVerifier);
        }
        if entry.redirect_uri.is_some() && entry.redirect_uri.as_deref() != redirect {
            return Err(CodeError::RedirectMismatch);
        }
        Ok(self.issue(&entry.account))
    }

    pub fn counters(&self, account_id: &str) -> Option<AccountCounters> {
        self.account(account_id).map(|a| a.counters.snapshot())
    }

    pub fn all_counters(&self) -> Vec<(String, AccountCounters)> {
        self.accounts()
            .iter()
            .map(|a| (a.id.clone(), a.counters.snapshot()))
            .collect()
    }

    pub fn reset_counters(&self) {
        for a in self.accounts() {
            a.counters.reset();
        }
    }

    /// Opaque `encrypted_content`: base64url of `account.nonce.mac`, so the mock can tell which
    /// account issued it and refuse it elsewhere, as the real backend does.
    pub fn seal(&self, account_id: &str) -> String {
        self.seal_with_nonce(account_id, &random_token(9))
    }

    /// [`State::seal`] with a caller-chosen nonce, for deterministic blobs.
    pub fn seal_with_nonce(&self, account_id: &str, nonce: &str) -> String {
        let msg = format!("{account_id}.{nonce}");
        let mac = URL_SAFE_NO_PAD.encode(&hmac_sha256(&self.secret, msg.as_bytes())[..16]);
        URL_SAFE_NO_PAD.encode(format!("{msg}.{mac}"))
    }

    /// The account that sealed `blob`, if the blob is authentic.
    pub fn unseal(&self, blob: &str) -> Option<String> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(blob).ok()?).ok()?;
        let (msg, mac) = raw.rsplit_once('.')?;
        let want = URL_SAFE_NO_PAD.encode(&hmac_sha256(&self.secret, msg.as_bytes())[..16]);
        (want == mac)
            .then(|| msg.split_once('.').map(|(a, _)| a.to_owned()))
            .flatten()
    }
}

/// Counts a request as in flight for its account until dropped (end of body or disconnect).
pub(crate) struct InFlight(Arc<Account>);

impl InFlight {
    pub fn enter(account: Arc<Account>) -> Self {
        let now = account.counters.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        account
            .counters
            .max_in_flight
            .fetch_max(now, Ordering::Relaxed);
        Self(account)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
