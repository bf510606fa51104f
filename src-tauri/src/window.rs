//! The dashboard window, in the dashboard process (`dashboard_app.rs`): created when that
//! process starts, with the remembered size and position (window-state plugin) and WebKit
//! memory settings. Closing it ends the process, and with it WebKit's web and network
//! processes; the tray process never holds a WebView.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";

/// Creates the dashboard window (or shows it, if it exists).
pub fn open<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if app.get_webview_window(MAIN).is_some() {
        return focus(app);
    }
    // The window-state plugin restores the remembered size and position on creation.
    let window = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::default())
        .title("Switchyard")
        .inner_size(1180.0, 780.0)
        .min_inner_size(760.0, 520.0)
        .build()?;
    // Runs on the main thread; a no-op under the mock runtime.
    if let Err(e) = window.with_webview(lean::tune) {
        tracing::warn!(error = %e, "cannot apply the WebView memory settings");
    }
    Ok(())
}

/// Brings the window to the front: the user opened the dashboard again.
pub fn focus<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window(MAIN) else {
        return Ok(());
    };
    window.show()?;
    window.unminimize()?;
    window.set_focus()
}

/// WebKitGTK memory settings for a dashboard that talks to one local API.
#[cfg(target_os = "linux")]
mod lean {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt as _, WebContextExt as _,
        WebViewExt as _,
    };

    /// Software rendering (GPU compositing keeps ~70 MB of buffers in the web process for a
    /// page that hardly animates), the smallest cache model (no memory/page cache: every
    /// resource is local) and no back/forward page cache (the dashboard never navigates).
    pub fn tune(webview: tauri::webview::PlatformWebview) {
        let view = webview.inner();
        if let Some(settings) = view.settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    }
}

/// Other platforms: their WebViews manage these resources themselves.
#[cfg(not(target_os = "linux"))]
mod lean {
    pub fn tune(_webview: tauri::webview::PlatformWebview) {}
}
