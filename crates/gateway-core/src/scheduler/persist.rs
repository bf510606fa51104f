//! Cooldowns in the store (scheduling.md §1: stored per account). The origin of a change
//! writes the account's whole set after each change, in order, from the event task; a
//! process loads the running ones at start, so a restart or a new replica does not send
//! traffic straight back to accounts the upstream just refused.

use super::policy::cooldown::{Cooldown, Reason};
use super::Pool;
use crate::state::AppState;
use crate::store::StoredCooldown;

impl Pool {
    /// The account's cooldowns as stored rows (`None`: the account is not in the pool).
    pub(super) fn stored_cooldowns(&self, account_id: i64) -> Option<Vec<StoredCooldown>> {
        let live = self.current().get(account_id)?.1.clone();
        let state = live.lock();
        let book = &state.cooldowns;
        let row = |scope: &str, c: &Cooldown| StoredCooldown {
            account_id,
            scope: scope.to_owned(),
            reason: c.reason.as_str().to_owned(),
            until: c.until,
            since: c.since,
            provisional: c.provisional,
        };
        let account = book.account.iter().map(|c| row("", c));
        let models = book.models.iter().map(|(m, c)| row(m, c));
        Some(account.chain(models).collect())
    }

    /// Loads the running cooldowns from the store into the live state; call after the first
    /// snapshot is built. Rows with an unknown reason (a newer version wrote them) are skipped.
    pub async fn restore_cooldowns(&self, state: &AppState) -> Result<usize, String> {
        let now = self.clock.now_ms();
        let rows = state
            .store()
            .active_cooldowns(now)
            .await
            .map_err(|e| e.to_string())?;
        let snap = self.current();
        let mut restored = 0;
        for row in rows {
            let (Some((account, live)), Some(reason)) =
                (snap.get(row.account_id), Reason::parse(&row.reason))
            else {
                continue;
            };
            let cooldown = Cooldown {
                reason,
                until: row.until,
                since: row.since,
                provisional: row.provisional,
            };
            {
                let mut policy = live.lock();
                if row.scope.is_empty() {
                    policy.cooldowns.account = Some(cooldown);
                } else {
                    policy.cooldowns.models.retain(|(m, _)| *m != row.scope);
                    policy.cooldowns.models.push((row.scope, cooldown));
                }
            }
            live.refresh(account, &self.cfg(), now);
            restored += 1;
        }
        Ok(restored)
    }
}
