//! The latest quota windows of every account, in memory for the scheduler and the admin API,
//! with the changes not yet persisted. Observations arrive on the request path (response
//! headers), so applying one only takes a short lock; the usage writer persists the
//! accumulated changes on its next flush, coalescing many responses into one upsert.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::quota::{Credits, QuotaObservation};
use crate::store::{AccountQuotaWindow, QuotaWindowKind};

#[derive(Default)]
pub struct QuotaBook {
    inner: Mutex<Book>,
}

#[derive(Default)]
struct Book {
    windows: HashMap<(i64, QuotaWindowKind), AccountQuotaWindow>,
    plans: HashMap<i64, String>,
    credits: HashMap<i64, Credits>,
    pending: QuotaChanges,
}

/// What the writer must persist.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct QuotaChanges {
    pub upserts: HashMap<(i64, QuotaWindowKind), AccountQuotaWindow>,
    pub clears: HashSet<(i64, QuotaWindowKind)>,
    /// Plans seen that differ from the last one seen in this process.
    pub plans: HashMap<i64, String>,
}

impl QuotaChanges {
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.clears.is_empty() && self.plans.is_empty()
    }
}

impl QuotaBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seeds the view from the store at startup; nothing is marked for persisting.
    pub fn load(&self, stored: Vec<AccountQuotaWindow>) {
        let mut book = self.lock();
        for w in stored {
            book.windows.insert((w.account_id, w.kind), w);
        }
    }

    /// Applies one observation. A window older than the one held is ignored, so a delayed
    /// response cannot roll the view back.
    pub fn apply(&self, account_id: i64, obs: &QuotaObservation) {
        let mut book = self.lock();
        for w in &obs.windows {
            let key = (account_id, w.kind);
            if book
                .windows
                .get(&key)
                .is_some_and(|held| held.observed_at > obs.observed_at)
            {
                continue;
            }
            let row = AccountQuotaWindow {
                account_id,
                kind: w.kind,
                used_percent: w.used_percent,
                window_minutes: w.window_minutes,
                reset_at: w.reset_at,
                observed_at: obs.observed_at,
            };
            book.windows.insert(key, row.clone());
            book.pending.clears.remove(&key);
            book.pending.upserts.insert(key, row);
        }
        let five = (account_id, QuotaWindowKind::FiveHour);
        let clears_five = obs.is_authoritative()
            && obs.window(QuotaWindowKind::FiveHour).is_none()
            && book
                .windows
                .get(&five)
                .is_some_and(|held| held.observed_at <= obs.observed_at);
        if clears_five {
            book.windows.remove(&five);
            book.pending.upserts.remove(&five);
            book.pending.clears.insert(five);
        }
        if let Some(plan) = &obs.plan_type {
            if book.plans.get(&account_id) != Some(plan) {
                book.plans.insert(account_id, plan.clone());
                book.pending.plans.insert(account_id, plan.clone());
            }
        }
        if let Some(credits) = &obs.credits {
            book.credits.insert(account_id, credits.clone());
        }
    }

    /// Hands the pending changes to the writer.
    pub fn take_changes(&self) -> QuotaChanges {
        std::mem::take(&mut self.lock().pending)
    }

    /// Puts back changes the writer failed to persist, unless newer ones replaced them.
    pub fn restore_changes(&self, failed: QuotaChanges) {
        let mut book = self.lock();
        for (key, row) in failed.upserts {
            if !book.pending.clears.contains(&key) {
                book.pending.upserts.entry(key).or_insert(row);
            }
        }
        for key in failed.clears {
            if !book.pending.upserts.contains_key(&key) {
                book.pending.clears.insert(key);
            }
        }
        for (id, plan) in failed.plans {
            book.pending.plans.entry(id).or_insert(plan);
        }
    }

    /// One account's windows, ordered 5h, 7d, short.
    pub fn windows(&self, account_id: i64) -> Vec<AccountQuotaWindow> {
        let mut out: Vec<_> = self
            .lock()
            .windows
            .values()
            .filter(|w| w.account_id == account_id)
            .cloned()
            .collect();
        out.sort_by_key(|w| w.kind);
        out
    }

    /// Every window, ordered by account then kind.
    pub fn all(&self) -> Vec<AccountQuotaWindow> {
        let mut out: Vec<_> = self.lock().windows.values().cloned().collect();
        out.sort_by_key(|w| (w.account_id, w.kind));
        out
    }

    pub fn credits(&self, account_id: i64) -> Option<Credits> {
        self.lock().credits.get(&account_id).cloned()
    }

    /// Whether a 5h or 7d window is at 100 % and has not reset by `now` (unix ms). A window
    /// without a known reset counts as exhausted until a newer observation says otherwise.
    pub fn is_exhausted(&self, account_id: i64, now: i64) -> bool {
        let book = self.lock();
        [QuotaWindowKind::FiveHour, QuotaWindowKind::Weekly]
            .iter()
            .any(|kind| {
                book.windows.get(&(account_id, *kind)).is_some_and(|w| {
                    w.used_percent >= 100.0 && w.reset_at.is_none_or(|reset| reset > now)
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::quota::ObservedWindow;

    fn obs(at: i64, windows: &[(QuotaWindowKind, f64)]) -> QuotaObservation {
        QuotaObservation {
            observed_at: at,
            windows: windows
                .iter()
                .map(|(kind, used)| ObservedWindow {
                    kind: *kind,
                    used_percent: *used,
                    window_minutes: if *kind == QuotaWindowKind::Weekly {
                        10080
                    } else {
                        300
                    },
                    reset_at: Some(at + 1_000),
                })
                .collect(),
            plan_type: Some("plus".to_owned()),
            credits: None,
            limit_reached_type: None,
            limit_reached: false,
        }
    }

    #[test]
    fn newer_wins_older_is_ignored_and_changes_coalesce() {
        let book = QuotaBook::default();
        book.apply(1, &obs(100, &[(QuotaWindowKind::FiveHour, 10.0)]));
        book.apply(1, &obs(300, &[(QuotaWindowKind::FiveHour, 30.0)]));
        book.apply(1, &obs(200, &[(QuotaWindowKind::FiveHour, 20.0)]));
        assert_eq!(book.windows(1)[0].used_percent, 30.0);
        let changes = book.take_changes();
        assert_eq!(changes.upserts.len(), 1, "three responses, one upsert");
        assert_eq!(changes.plans.get(&1).map(String::as_str), Some("plus"));
        assert!(book.take_changes().is_empty());
        book.apply(1, &obs(400, &[(QuotaWindowKind::FiveHour, 31.0)]));
        assert!(
            book.take_changes().plans.is_empty(),
            "an unchanged plan is not rewritten"
        );
    }

    #[test]
    fn authoritative_observation_without_5h_clears_it() {
        let book = QuotaBook::default();
        book.apply(
            7,
            &obs(
                100,
                &[
                    (QuotaWindowKind::FiveHour, 10.0),
                    (QuotaWindowKind::Weekly, 5.0),
                ],
            ),
        );
        book.take_changes();
        book.apply(7, &obs(200, &[(QuotaWindowKind::Short, 1.0)]));
        assert_eq!(
            book.windows(7).len(),
            3,
            "a short window alone is not authoritative"
        );
        book.apply(7, &obs(300, &[(QuotaWindowKind::Weekly, 6.0)]));
        let kinds: Vec<_> = book.windows(7).iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [QuotaWindowKind::Weekly, QuotaWindowKind::Short]);
        let changes = book.take_changes();
        assert!(changes.clears.contains(&(7, QuotaWindowKind::FiveHour)));
    }

    #[test]
    fn exhausted_until_reset() {
        let book = QuotaBook::default();
        book.apply(3, &obs(1_000, &[(QuotaWindowKind::Weekly, 100.0)]));
        assert!(book.is_exhausted(3, 1_500));
        assert!(!book.is_exhausted(3, 2_001), "reset at 2000 has passed");
        assert!(!book.is_exhausted(4, 1_500));
    }

    #[test]
    fn failed_changes_are_restored_unless_superseded() {
        let book = QuotaBook::default();
        book.apply(1, &obs(100, &[(QuotaWindowKind::FiveHour, 10.0)]));
        let failed = book.take_changes();
        book.apply(1, &obs(200, &[(QuotaWindowKind::FiveHour, 20.0)]));
        book.restore_changes(failed);
        let pending = book.take_changes();
        assert_eq!(
            pending.upserts[&(1, QuotaWindowKind::FiveHour)].used_percent,
            20.0
        );
    }
}
