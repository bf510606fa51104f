//! Tauri's build step: embeds `tauri.conf.json`, the capability files and the icons.

fn main() {
    tauri_build::build();
}
