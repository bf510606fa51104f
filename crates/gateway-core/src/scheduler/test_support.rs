//! Pools over hand-made accounts on a manual clock, for the scheduler's unit tests.

use std::sync::Arc;

use super::grant::{Grant, Slot};
use super::policy::clock::ManualClock;
use super::refresh::Refresher;
use super::Pool;
use crate::service::credentials::Credentials;
use crate::store::Account;
use crate::upstream::oauth::OAuthClient;

pub const T0: i64 = 1_700_000_000_000;

pub fn account(id: i64, workspace: &str) -> Account {
    Account {
        identity_key: format!("{workspace}:{id}"),
        chatgpt_account_id: Some(workspace.to_owned()),
        chatgpt_user_id: Some(format!("user-{id}")),
        plan_type: Some("team".into()),
        ..Account::unsaved(id)
    }
}

pub fn pool(accounts: Vec<Account>) -> Pool {
    pool_with_clock(accounts).0
}

/// A pool and the clock it reads, at `T0`.
pub fn pool_with_clock(accounts: Vec<Account>) -> (Pool, Arc<ManualClock>) {
    let oauth = OAuthClient::new(reqwest::Client::new(), "http://127.0.0.1:9/oauth/token");
    let clock = Arc::new(ManualClock::at(T0));
    let pool = Pool::with_clock(Refresher::new(oauth), Arc::clone(&clock) as _);
    pool.load_accounts(accounts);
    (pool, clock)
}

/// A grant on account `id` for `gpt-5.5`, as the relay would hold one.
pub fn grant(pool: &Pool, id: i64) -> Grant {
    let snap = pool.current();
    let (account, live) = snap.get(id).unwrap();
    assert!(live.try_occupy(u32::MAX));
    let slot = Slot::taken(Arc::clone(live), Arc::clone(&pool.notify));
    let creds = Credentials {
        access_token: Some("at".into()),
        ..Credentials::default()
    };
    Grant::new(account, creds, slot, "gpt-5.5").unwrap()
}
