//! The dashboard process: the dashboard window and all of WebKit, started by the tray app
//! (`switchyard`) when the user opens the dashboard, and ended when its window closes.

// No console window next to the dashboard on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    std::process::exit(switchyard_lib::run_dashboard());
}
