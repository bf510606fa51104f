//! The dashboard window: created on demand, hidden to the tray on close, and in lightweight
//! mode destroyed while hidden (the WebView holds ~150 MB) and re-created on the next open.

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

pub const MAIN: &str = "main";

/// Whether closing the window frees the WebView; managed state, toggled from the tray.
#[derive(Debug)]
pub struct Lightweight(pub AtomicBool);

impl Lightweight {
    pub fn on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::Relaxed);
    }
}

/// Shows the dashboard, re-creating its WebView if lightweight mode freed it.
pub fn open<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(MAIN) {
        window.show()?;
        window.unminimize()?;
        return window.set_focus();
    }
    // The window-state plugin restores the remembered size and position on creation.
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::default())
        .title("Switchyard")
        .inner_size(1180.0, 780.0)
        .min_inner_size(760.0, 520.0)
        .build()?;
    Ok(())
}

/// Close → hide to the tray (or destroy in lightweight mode); the app keeps running.
pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != MAIN {
        return;
    }
    api.prevent_close();
    let lightweight = window.try_state::<Lightweight>().is_some_and(|l| l.on());
    save_state(window.app_handle());
    let result = if lightweight {
        tracing::info!("lightweight mode: freeing the dashboard WebView while hidden");
        window.destroy()
    } else {
        window.hide()
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot hide the dashboard window");
    }
}

/// Managed only by the real app (not by mock-runtime tests), where the window-state plugin
/// is registered; that plugin panics when asked to save without being registered.
pub struct PluginsRegistered;

/// Writes the window geometry now: the plugin itself only writes at a clean exit, and a tray
/// app is often ended by logout or a signal instead.
fn save_state<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    if app.try_state::<PluginsRegistered>().is_some() {
        if let Err(e) = app.save_window_state(StateFlags::all()) {
            tracing::debug!(error = %e, "cannot save the window state");
        }
    }
}
