//! The scheduling policy as pure functions over plain values and an injected clock: health
//! score and tiers, cooldowns, retry decisions, dispatch score and quota forecast, dynamic
//! concurrency, selection and session affinity (scheduling.md §2–§8). No I/O, no locks: the
//! runtime in the parent module feeds these and stores what they return.

pub mod affinity;
pub mod clock;
pub mod concurrency;
pub mod cooldown;
pub mod dispatch;
pub mod forecast;
pub mod health;
pub mod retry;
pub mod select;

#[cfg(test)]
mod cooldown_tests;
#[cfg(test)]
mod health_tests;
#[cfg(test)]
mod retry_tests;
#[cfg(test)]
mod select_tests;
