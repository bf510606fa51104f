//! Retry and failover before commit (scheduling.md §8): what to do after one failed attempt,
//! and the switch budget in which quota refusals are free.

/// An attempt's failure, as far as the retry table cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Transport,
    Timeout,
    /// 401 about the token; the first one per token is refreshable.
    Unauthorized,
    PaymentRequired,
    Forbidden,
    /// 429 `usage_limit_reached`.
    Quota,
    /// Any other 429.
    Burst,
    /// 500, 502, 503, 504.
    Server,
    CapacityShed,
    InvalidEncryptedContent,
    ModelUnsupported,
    /// Other 4xx, cyber policy, `response.incomplete`, request-scoped 401.
    Request,
    /// 426: the `Version` floor is too low; another account will not help.
    UpgradeRequired,
}

/// What the relay does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Same account after a delay (capacity shed).
    RetrySame { delay_ms: u64 },
    /// Refresh the token (single-flight), then the same account once.
    RefreshThenRetry,
    /// Drop replayed reasoning items, then the same account once.
    StripThenRetry,
    /// Another account; `counts` says whether it uses the switch budget.
    Switch { counts: bool },
    /// No retry: answer the client with this failure.
    Answer,
}

/// Same-account retries already spent on this account.
#[derive(Debug, Clone, Copy, Default)]
pub struct SameAccount {
    pub refreshed: bool,
    pub stripped: bool,
    pub sheds: u32,
}

pub const SHED_DELAYS_MS: [u64; 2] = [500, 1500];

/// `jitter` in -1..=1 spreads the shed delays by ±20 %.
pub fn decide(failure: Failure, same: SameAccount, jitter: f64) -> Decision {
    match failure {
        Failure::Transport | Failure::Timeout | Failure::Server | Failure::ModelUnsupported => {
            Decision::Switch { counts: true }
        }
        Failure::Unauthorized if !same.refreshed => Decision::RefreshThenRetry,
        Failure::Unauthorized | Failure::PaymentRequired | Failure::Forbidden | Failure::Burst => {
            Decision::Switch { counts: true }
        }
        Failure::Quota => Decision::Switch { counts: false },
        Failure::CapacityShed => match SHED_DELAYS_MS.get(same.sheds as usize) {
            Some(base) => {
                let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
                Decision::RetrySame {
                    delay_ms: (*base as f64 * factor).round() as u64,
                }
            }
            None => Decision::Switch { counts: true },
        },
        Failure::InvalidEncryptedContent if !same.stripped => Decision::StripThenRetry,
        Failure::InvalidEncryptedContent | Failure::Request | Failure::UpgradeRequired => {
            Decision::Answer
        }
    }
}

/// The per-request switch budget (`max_account_switches`, default 3).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_switches: u32,
    pub switches: u32,
}

impl Budget {
    pub fn new(max_switches: u32) -> Self {
        Budget {
            max_switches,
            switches: 0,
        }
    }

    /// Takes a switch; false when the budget is spent. Free switches always pass.
    pub fn take(&mut self, counts: bool) -> bool {
        if !counts {
            return true;
        }
        if self.switches >= self.max_switches {
            return false;
        }
        self.switches += 1;
        true
    }
}
