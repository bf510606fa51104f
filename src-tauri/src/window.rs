//! The dashboard window: created on demand (never before the user first opens it, so an app
//! started minimized never loads WebKit), hidden to the tray on close, and in lightweight mode
//! destroyed while hidden and re-created on the next open. Destroying it ends the WebKit web
//! process; the WebKit network process outlives it (Tauri keeps the WebContext for the app's
//! lifetime on Linux), so lightweight mode stops that one too (see [`lean`]).

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
        let destroyed = window.destroy();
        if destroyed.is_ok() {
            lean::stop_network_process_later(window.app_handle());
        }
        destroyed
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

/// WebKitGTK memory settings for a dashboard that talks to one local API.
#[cfg(target_os = "linux")]
mod lean {
    use std::time::Duration;

    use tauri::{AppHandle, Manager, Runtime};
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt as _, WebContextExt as _,
        WebViewExt as _,
    };

    /// How long after the window is destroyed the network process is stopped: long enough
    /// for the web process to have gone, short enough to be idle soon after a close.
    const NETWORK_PROCESS_GRACE: Duration = Duration::from_secs(3);
    /// `comm` of WebKitGTK's network process (the kernel cuts names to 15 bytes).
    const NETWORK_PROCESS_COMM: &str = "WebKitNetworkPr";

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

    /// Stops WebKit's network process once no dashboard WebView is left: WebKit keeps it
    /// (~30 MB) for as long as the app runs, and launches a fresh one when the window is
    /// opened again. It is our own child process, found by name in /proc.
    pub fn stop_network_process_later<R: Runtime>(app: &AppHandle<R>) {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(NETWORK_PROCESS_GRACE).await;
            if !app.webview_windows().is_empty() {
                return;
            }
            for pid in children_named(NETWORK_PROCESS_COMM) {
                let killed = tokio::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .await;
                match killed {
                    Ok(status) if status.success() => {
                        tracing::info!(pid, "lightweight mode: stopped the WebKit network process")
                    }
                    other => {
                        tracing::warn!(pid, result = ?other, "cannot stop the WebKit network process")
                    }
                }
            }
        });
    }

    /// Direct children of this process whose `comm` is `name`.
    fn children_named(name: &str) -> Vec<u32> {
        let me = std::process::id();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                parent_and_comm(&stat).is_some_and(|(ppid, comm)| ppid == me && comm == name)
            })
            .collect()
    }

    /// `(ppid, comm)` from a `/proc/PID/stat` line: `pid (comm) state ppid …`, where `comm`
    /// may itself contain spaces and parentheses.
    pub(super) fn parent_and_comm(stat: &str) -> Option<(u32, &str)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let comm = stat.get(open + 1..close)?;
        let mut rest = stat.get(close + 1..)?.split_whitespace();
        let _state = rest.next()?;
        let ppid = rest.next()?.parse().ok()?;
        Some((ppid, comm))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn reads_parent_and_name_from_proc_stat() {
            let stat = "4242 (WebKitNetworkPr) S 4200 4200 4200 0 -1 4194560 1234";
            assert_eq!(
                super::parent_and_comm(stat),
                Some((4200, "WebKitNetworkPr"))
            );
            let odd = "7 (a (b) c) R 1 7 7 0";
            assert_eq!(super::parent_and_comm(odd), Some((1, "a (b) c")));
            assert_eq!(super::parent_and_comm("garbage"), None);
        }
    }
}

/// Other platforms: their WebViews manage these resources themselves.
#[cfg(not(target_os = "linux"))]
mod lean {
    use tauri::{AppHandle, Runtime};

    pub fn tune(_webview: tauri::webview::PlatformWebview) {}

    pub fn stop_network_process_later<R: Runtime>(_app: &AppHandle<R>) {}
}
