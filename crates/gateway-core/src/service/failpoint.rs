//! Crash points for the token-rotation durability tests. `SWITCHYARD_TEST_FAILPOINTS` holds a
//! comma-separated list of names; reaching a listed point aborts the process on the spot, as
//! a SIGKILL would. Unset (always, in production) it costs one cached lookup.

use std::sync::OnceLock;

/// Between the token endpoint's answer and the durable write of the rotated token.
pub const REFRESH_BEFORE_WRITE: &str = "refresh_before_write";
/// Just after the rotated token was written.
pub const REFRESH_AFTER_WRITE: &str = "refresh_after_write";

fn armed() -> &'static [String] {
    static ARMED: OnceLock<Vec<String>> = OnceLock::new();
    ARMED.get_or_init(|| {
        std::env::var("SWITCHYARD_TEST_FAILPOINTS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Aborts the process when `name` is armed.
pub fn hit(name: &str) {
    if armed().iter().any(|armed| armed == name) {
        tracing::error!(failpoint = name, "test fail point reached: aborting");
        std::process::abort();
    }
}
