//! A grant for one named account, outside scheduling: the admin's account test and the
//! `wham/usage` probe must reach a specific account even when the scheduler would not pick
//! it (cooling, paused, at its limit). The slot still counts as in flight.

use std::sync::Arc;

use super::grant::{Grant, PoolError, Slot};
use super::Pool;
use crate::state::AppState;

impl Pool {
    /// Opens (refreshing if needed) the token of `account_id` and takes an unlimited slot.
    pub async fn grant_for(
        &self,
        state: &AppState,
        account_id: i64,
        model: &str,
    ) -> Result<Grant, PoolError> {
        let snap = self.current();
        let index = *snap.index.get(&account_id).ok_or(PoolError::NoAccounts)?;
        let account = &snap.accounts[index];
        let live = Arc::clone(&snap.lives[index]);
        if !live.try_occupy(u32::MAX) {
            return Err(PoolError::Busy);
        }
        let slot = Slot::taken(live, Arc::clone(&self.notify));
        let creds = self
            .credentials_for(state, account)
            .await
            .map_err(|e| PoolError::Unauthorized(e.to_string()))?;
        Grant::new(account, creds, slot, model)
    }
}
