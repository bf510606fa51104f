//! Tauri's build step: embeds `tauri.conf.json`, the capability files and the icons, and
//! declares the app's own commands so capabilities can grant them (`allow-<command>`).

const COMMANDS: &[&str] = &[
    "gateway_info",
    "open_data_dir",
    "restart_gateway",
    "set_autostart",
    "preview_client_setup",
    "apply_client_setup",
    "restore_client_setup",
    "check_update",
    "quit",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
