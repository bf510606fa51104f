//! The desktop binary: everything lives in the library so tests can build the same app.

// No console window next to the tray app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before GTK starts (and before any thread exists, so changing the environment is sound):
    // GDK3 on X11 opens OpenGL at start-up only to pick visuals, which maps the Mesa driver
    // (with llvmpipe, ~30 MB PSS) into a tray app that never draws with GL. The WebView keeps
    // its own EGL path and software rendering (window.rs); WebKit logs once that it disabled
    // hardware acceleration because of this, which is intended. A user's own GDK_GL wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    switchyard_lib::run_tray();
}
