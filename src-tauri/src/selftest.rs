//! `SWITCHYARD_SELFTEST=1`: after start-up the real app exercises its own tray handlers
//! (stop/start, copy URL with a clipboard read-back) and logs one `selftest:` line per check,
//! which `scripts/desktop-smoke.sh` greps. The tray menu cannot be clicked headless, so this
//! is how the smoke test reaches the handlers the clicks would run.

use std::sync::Arc;

use tauri::{Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt as _;

use crate::actions::{self, Outcome};
use crate::gateway_host::GatewayHost;

pub async fn run(app: &crate::TrayApp) {
    let mut failed = 0;
    let mut check = |name: &str, ok: bool, detail: String| {
        if ok {
            tracing::info!("selftest: {name} ok {detail}");
        } else {
            failed += 1;
            tracing::error!("selftest: {name} FAILED {detail}");
        }
    };
    let Some(host) = app
        .try_state::<Arc<GatewayHost>>()
        .map(|h| h.inner().clone())
    else {
        return check("gateway host", false, String::new());
    };
    check(
        "gateway running",
        host.is_running(),
        format!("port={}", host.port()),
    );
    check(
        "tray menu built",
        app.try_state::<crate::tray::Tray>().is_some(),
        String::new(),
    );
    check(
        "secret store",
        true,
        format!("kind={}", host.secrets_kind()),
    );

    let stopped = actions::handle(app, "gateway.stop").await;
    check(
        "tray stop",
        stopped.is_ok() && !host.is_running(),
        format!("{stopped:?}"),
    );
    let started = actions::handle(app, "gateway.start").await;
    check(
        "tray start",
        started.is_ok() && host.is_running(),
        format!("{started:?}"),
    );

    match actions::handle(app, "copy.openai").await {
        Ok(Outcome::Copy(url)) => {
            let written = app.clipboard().write_text(url.clone());
            let read = app.clipboard().read_text();
            let matched = read.as_deref().ok() == Some(url.as_str());
            check(
                "clipboard read back",
                written.is_ok() && matched,
                format!("url={url} match={matched}"),
            );
        }
        other => check("copy url", false, format!("{other:?}")),
    }
    crate::watch::kick(app);
    tracing::info!("selftest: done, {failed} failed");
}

/// `SWITCHYARD_CLOSE_WINDOW_AFTER_SECS=N` closes the dashboard window N seconds after the
/// dashboard process started, as a user would (so that process ends): the memory benchmark's
/// and the smoke test's way to close it without a window manager to click. Runs in the
/// dashboard process, which inherits the variable from the tray.
pub fn close_window_later<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Some(secs) = std::env::var("SWITCHYARD_CLOSE_WINDOW_AFTER_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
        if let Some(window) = app.get_webview_window(crate::window::MAIN) {
            let closed = window.close();
            tracing::info!(
                ?closed,
                "closed the dashboard window (SWITCHYARD_CLOSE_WINDOW_AFTER_SECS)"
            );
        }
    });
}
