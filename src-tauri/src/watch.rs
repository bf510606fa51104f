//! Keeps the tray in step with the pool: a refresh every few seconds or right after an action,
//! and a desktop notification when the pool turns degraded (no account ready, or the quota
//! nearly gone), once per episode rather than on every tick.

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::Notify;

use crate::gateway_host::GatewayHost;
use crate::pool::{self, Summary};

const PERIOD: Duration = Duration::from_secs(5);

/// Wakes the watcher early (after a tray action or a command changed something).
#[derive(Default)]
pub struct Kick(Notify);

pub fn kick<R: Runtime>(app: &AppHandle<R>) {
    if let Some(k) = app.try_state::<Kick>() {
        k.0.notify_one();
    }
}

/// What deserves a notification when going from `before` to `now`.
pub fn degradation(before: Option<&Summary>, now: &Summary) -> Option<Degraded> {
    if !now.running || now.total == 0 {
        return None;
    }
    let was = |f: fn(&Summary) -> bool| before.is_some_and(|b| b.running && f(b));
    if now.ready == 0 && !was(|s| s.ready == 0) {
        return Some(Degraded::NoAccountReady);
    }
    if now.quota_low() && !was(Summary::quota_low) {
        return Some(Degraded::QuotaLow);
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Degraded {
    NoAccountReady,
    QuotaLow,
}

/// Runs for the app's lifetime on Tauri's async runtime.
pub fn spawn(app: crate::TrayApp, texts: &'static crate::tray_texts::TrayTexts) {
    tauri::async_runtime::spawn(async move {
        let mut last: Option<Summary> = None;
        loop {
            if let Some(host) = app.try_state::<Arc<GatewayHost>>() {
                let now = pool::summary(&host).await;
                crate::tray::refresh_if_present(&app, &now);
                match degradation(last.as_ref(), &now) {
                    Some(Degraded::NoAccountReady) => {
                        crate::ui::notify(&app, texts.degraded_title, texts.no_account_ready)
                    }
                    Some(Degraded::QuotaLow) => {
                        crate::ui::notify(&app, texts.degraded_title, texts.quota_nearly_gone)
                    }
                    None => {}
                }
                last = Some(now);
            }
            let kicked = app.state::<Kick>();
            let _ = tokio::time::timeout(PERIOD, kicked.0.notified()).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ready: usize, total: usize, quota: Option<f64>) -> Summary {
        Summary {
            running: true,
            port: 8708,
            ready,
            total,
            quota_left_percent: quota,
            ..Summary::default()
        }
    }

    #[test]
    fn notifies_once_per_degraded_episode() {
        assert_eq!(
            degradation(Some(&s(2, 2, None)), &s(0, 2, None)),
            Some(Degraded::NoAccountReady)
        );
        assert_eq!(degradation(Some(&s(0, 2, None)), &s(0, 2, None)), None);
        assert_eq!(
            degradation(None, &s(0, 2, None)),
            Some(Degraded::NoAccountReady)
        );
        assert_eq!(
            degradation(Some(&s(2, 2, Some(50.0))), &s(2, 2, Some(5.0))),
            Some(Degraded::QuotaLow)
        );
        assert_eq!(
            degradation(Some(&s(2, 2, Some(5.0))), &s(2, 2, Some(4.0))),
            None
        );
        // A fresh install with no accounts is not an alarm, nor is a stopped gateway.
        assert_eq!(degradation(None, &s(0, 0, None)), None);
        assert_eq!(degradation(None, &Summary::default()), None);
    }
}
