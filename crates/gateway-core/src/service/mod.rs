//! Use cases. HTTP handlers call one function here; business rules, ids and timestamps are
//! decided here, and the store persists them as given.

pub mod accounts;
pub mod admin_auth;
pub mod api_keys;
pub mod count_tokens;
pub mod credentials;
pub mod failpoint;
pub mod health;
pub mod import;
pub mod login;
mod login_listener;
pub mod probe;
pub mod public_api;
pub mod relay;
pub mod settings;

/// Unix time in milliseconds, the unit of every stored timestamp.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
