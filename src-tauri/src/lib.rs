//! The Switchyard desktop app: a tray app hosting the gateway on 127.0.0.1 with the dashboard
//! in a native window. Two binaries, two processes: `switchyard` runs [`run_tray`] (single
//! instance first, then autostart, updater, clipboard, dialog, notification; the tray; then
//! `bootstrap`, which picks the token custody and starts the gateway) on a tray-only runtime
//! that never links WebKit ([`TrayRt`]); `switchyard-dashboard` runs [`run_dashboard`], the
//! short-lived dashboard process that owns the window and all of WebKit (`dashboard_app.rs`,
//! started by `dashboard_process.rs`).

pub mod actions;
pub mod client_setup;
pub mod commands;
pub mod custody;
pub mod dashboard_app;
pub mod dashboard_process;
#[cfg(test)]
mod dashboard_tests;
pub mod gateway_host;
pub mod keyring_store;
pub mod link;
#[cfg(test)]
mod mock_tests;
pub mod pool;
pub mod prefs;
mod selftest;
pub mod tray;
#[cfg(target_os = "linux")]
pub mod tray_runtime;
pub mod tray_texts;
pub mod ui;
pub mod updates;
pub mod watch;
pub mod window;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tauri::{Builder, Manager, RunEvent};
use tauri_plugin_autostart::ManagerExt as _;

use crate::gateway_host::{GatewayHost, HostConfig};
use crate::prefs::Prefs;

/// The tray process's Tauri runtime. On Linux a tao-only runtime: WebKitGTK costs every
/// process that links it ~20 MB of loading and relocation, and the tray never shows a page.
/// Elsewhere the system webview is shared by the OS, so the tray keeps Tauri's usual runtime.
#[cfg(target_os = "linux")]
pub type TrayRt = tray_runtime::TrayRuntime<tauri::EventLoopMessage>;
#[cfg(not(target_os = "linux"))]
pub type TrayRt = tauri::Wry;

/// An app handle in the tray process (a name of its own, so it is never mistaken for the
/// runtime-generic `tauri::AppHandle<R>` that shared code takes).
pub type TrayApp = tauri::AppHandle<TrayRt>;

/// The shell's own state: where its data lives and its preferences.
pub struct Shell {
    pub data_dir: PathBuf,
    prefs: Mutex<Prefs>,
}

impl Shell {
    pub fn new(data_dir: PathBuf, prefs: Prefs) -> Shell {
        Shell {
            data_dir,
            prefs: Mutex::new(prefs),
        }
    }

    pub fn prefs(&self) -> Prefs {
        self.prefs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn update_prefs(&self, change: impl FnOnce(&mut Prefs)) {
        let mut prefs = self.prefs.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut prefs);
        if let Err(e) = prefs.save(&self.data_dir) {
            tracing::warn!(error = %e, "cannot save desktop.json");
        }
    }

    pub fn update_source(&self) -> updates::UpdateSource {
        updates::UpdateSource::from_env_or(&self.prefs())
    }
}

/// Worker threads of the async runtime hosting the gateway and the shell's tasks. One local
/// user's traffic keeps two busy at most; Tauri's default (one per CPU) only adds stacks and
/// malloc arenas on bigger machines.
const RUNTIME_WORKERS: usize = 2;
/// Cap on `spawn_blocking` threads (keyring calls, file I/O); tokio's default is 512.
const RUNTIME_BLOCKING_THREADS: usize = 8;

/// The async runtime behind `tauri::async_runtime`. It must be set before any plugin touches
/// that; `app.run` never returns, so the runtime lives as long as the process.
pub(crate) fn async_runtime(
    workers: usize,
    blocking_threads: usize,
) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(blocking_threads)
        .thread_keep_alive(std::time::Duration::from_secs(5))
        .enable_all()
        .build()
}

/// The dashboard process (`switchyard-dashboard`, started by the tray process): returns its
/// exit code.
pub fn run_dashboard() -> i32 {
    init_tracing(true);
    dashboard_app::run(tauri::generate_context!())
}

/// The tray process (`switchyard`): runs until Quit.
pub fn run_tray() {
    init_tracing(false);
    let context = tauri::generate_context!();
    let runtime = match async_runtime(RUNTIME_WORKERS, RUNTIME_BLOCKING_THREADS) {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            eprintln!("switchyard: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let app = Builder::<TrayRt>::new()
        // Must be the first plugin: a second launch only opens (or focuses) the dashboard of
        // the running instance. The dashboard process never registers it.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            if args.iter().any(|a| a == "--minimized") {
                return;
            }
            if let Err(e) = dashboard_process::open(app) {
                tracing::warn!(error = %e, "cannot open the dashboard for a second launch");
            }
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--minimized"]),
        ))
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        })
        .build(context);
    match app {
        Ok(app) => app.run(|_app, event| match event {
            // The tray process has no windows, but a tray app ends only through Quit.
            RunEvent::ExitRequested {
                code: None, api, ..
            } => api.prevent_exit(),
            RunEvent::Exit => tracing::info!("tray app: exiting"),
            _ => {}
        }),
        Err(e) => {
            tracing::error!(error = %e, "Switchyard could not start");
            eprintln!("switchyard: {e}");
            std::process::exit(1);
        }
    }
}

fn setup(app: &TrayApp) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = prefs::data_dir(app.path().app_data_dir().ok())
        .ok_or("cannot find the app data directory (set SWITCHYARD_DATA_DIR)")?;
    std::fs::create_dir_all(&data_dir)?;
    let prefs = Prefs::load(&data_dir);
    tracing::info!(dir = %data_dir.display(), "data directory");
    let lang = tray_texts::Lang::pick(prefs.language.as_deref());
    let texts = tray_texts::texts(lang);
    app.manage(dashboard_process::Dashboard::next_to_this_binary()?);
    app.manage(watch::Kick::default());
    let autostart_on = app.autolaunch().is_enabled().unwrap_or(false);
    let tray = tray::build(app, texts, autostart_on)?;
    app.manage(tray);
    app.manage(Shell::new(data_dir, prefs));
    watch::spawn(app.clone(), texts);
    #[cfg(unix)]
    quit_on_terminate(app);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { bootstrap(handle).await });
    // The dashboard process starts alongside the gateway; its page waits for the gateway in
    // `gateway_info`.
    if !std::env::args().any(|a| a == "--minimized") {
        if let Err(e) = dashboard_process::open(app) {
            ui::notify(app, "Switchyard", &e);
        }
    }
    Ok(())
}

/// Picks the token custody (asking before the weaker one), creates the gateway host and
/// starts it (offering another port when the default is taken).
async fn bootstrap(app: TrayApp) {
    let shell = app.state::<Shell>();
    let data_dir = shell.data_dir.clone();
    let secrets = match custody::keyring() {
        Ok(s) => s,
        Err(why) => {
            tracing::error!(reason = %why, "NO USABLE OS KEYRING: tokens cannot go to the keyring");
            let consent = shell.prefs().encrypted_file_consent
                || std::env::var("SWITCHYARD_SECRET_STORE").as_deref() == Ok("encrypted-file")
                || ui::ask_encrypted_file_consent(&app, &why.to_string()).await;
            if !consent {
                ui::notify(
                    &app,
                    "Switchyard",
                    "The gateway stays stopped: no safe place for tokens.",
                );
                return;
            }
            shell.update_prefs(|p| p.encrypted_file_consent = true);
            match custody::encrypted_file(&data_dir).await {
                Ok(s) => s,
                Err(e) => return ui::notify(&app, "Switchyard", &e),
            }
        }
    };
    let port = match prefs::port(&shell.prefs()) {
        Ok(p) => p,
        Err(e) => return ui::notify(&app, "Switchyard", &e),
    };
    let host = Arc::new(GatewayHost::new(
        HostConfig::with_env_overrides(data_dir, port),
        secrets.admin_token,
        secrets.store,
    ));
    app.manage(host.clone());
    if let Err(e) = start_with_port_choice(&app, &host).await {
        tracing::error!(error = %e, "gateway not started");
        ui::notify(&app, "Switchyard", &e);
    }
    watch::kick(&app);
    if std::env::var("SWITCHYARD_SELFTEST").as_deref() == Ok("1") {
        selftest::run(&app).await;
    }
}

async fn start_with_port_choice(app: &TrayApp, host: &GatewayHost) -> Result<u16, String> {
    match host.start().await {
        Err(gateway_host::HostError::PortTaken { port }) => {
            let Some(free) = gateway_host::next_free_port(port) else {
                return Err(format!("port {port} is taken and no nearby port is free"));
            };
            if !ui::ask_other_port(app, port, free).await {
                return Err(format!("port {port} is taken; the gateway stays stopped"));
            }
            host.set_port(free);
            app.state::<Shell>().update_prefs(|p| p.port = Some(free));
            host.start().await.map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

/// SIGTERM (logging out, `systemctl --user stop`, `kill`) and SIGINT quit like the tray's Quit:
/// the gateway stops and flushes its usage log instead of the process vanishing mid-write.
#[cfg(unix)]
fn quit_on_terminate(app: &TrayApp) {
    use tokio::signal::unix::{signal, SignalKind};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let (term, int) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        let (Ok(mut term), Ok(mut int)) = (term, int) else {
            tracing::warn!("cannot listen for SIGTERM/SIGINT; they end the app abruptly");
            return;
        };
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "quitting");
        ui::quit(&app).await;
    });
}

/// Tray clicks: run the action, carry out its display side, then refresh the menu.
pub(crate) fn on_menu_event(app: &TrayApp, id: &str) {
    let app = app.clone();
    let id = id.to_owned();
    tauri::async_runtime::spawn(async move {
        match actions::handle(&app, &id).await {
            Ok(outcome) => ui::carry_out(&app, outcome).await,
            Err(e) => ui::notify(&app, "Switchyard", &e),
        }
        watch::kick(&app);
    });
}

/// The dashboard process logs to stderr: its stdout is the link to the tray.
fn init_tracing(dashboard: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // Colours only on a terminal: a log file (autostart, the smoke test) stays plain text.
    use std::io::IsTerminal as _;
    let _ = if dashboard {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init()
    };
}
