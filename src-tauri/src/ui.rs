//! Carries out what a tray action needs a display for: the clipboard, dialogs (the client
//! diff before writing, restore results), notifications, opening the dashboard, the autostart
//! toggle, update checks and quitting.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_clipboard_manager::ClipboardExt as _;
use tauri_plugin_dialog::{DialogExt as _, MessageDialogButtons, MessageDialogKind};
use tauri_plugin_notification::NotificationExt as _;

use crate::actions::{Action, Outcome};
use crate::client_setup::{self, Client, Plan, Target};
use crate::commands::SetupRequest;
use crate::gateway_host::GatewayHost;

pub fn home_dir() -> Result<PathBuf, String> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "cannot tell where the home folder is (HOME is unset)".to_owned())
}

/// Builds the client-setup target from the running gateway (its port, upstream and whether
/// API keys are on).
pub async fn plan_setup(host: &GatewayHost, req: &SetupRequest) -> Result<Plan, String> {
    let state = host
        .app_state()
        .await
        .ok_or_else(|| "start the gateway first".to_owned())?;
    let keys = state
        .store()
        .count_api_keys()
        .await
        .map_err(|e| e.to_string())?;
    let target = Target {
        port: host.port(),
        upstream_base_url: state.config().upstream_base_url.clone(),
        keys_required: keys > 0,
        api_key: req.api_key.clone().filter(|k| !k.trim().is_empty()),
        model: req.model.clone(),
    };
    client_setup::plan(req.client, &home_dir()?, &target).map_err(|e| e.to_string())
}

pub fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    tracing::info!(title, body, "notification");
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "cannot show a desktop notification");
    }
}

pub fn set_autostart<R: Runtime>(app: &AppHandle<R>, enabled: bool) -> Result<bool, String> {
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|e| e.to_string())?;
    launcher.is_enabled().map_err(|e| e.to_string())
}

pub async fn quit<R: Runtime>(app: &AppHandle<R>) {
    if let Some(host) = app.try_state::<Arc<GatewayHost>>() {
        host.stop().await;
    }
    app.exit(0);
}

/// Performs the display side of an action outcome (real app only).
pub async fn carry_out(app: &crate::TrayApp, outcome: Outcome) {
    match outcome {
        Outcome::Done => {}
        Outcome::Copy(text) => match app.clipboard().write_text(text.clone()) {
            Ok(()) => tracing::info!(%text, "copied to the clipboard"),
            Err(e) => notify(app, "Switchyard", &format!("cannot copy: {e}")),
        },
        Outcome::Ui(action) => ui_action(app, action).await,
    }
}

async fn ui_action(app: &crate::TrayApp, action: Action) {
    match action {
        Action::OpenDashboard => {
            if let Err(e) = crate::dashboard_process::open(app) {
                notify(
                    app,
                    "Switchyard",
                    &format!("cannot open the dashboard: {e}"),
                );
            }
        }
        Action::Connect(client) => connect(app, client).await,
        Action::Restore(client) => restore(app, client),
        Action::ToggleAutostart => toggle_autostart(app),
        Action::CheckUpdates => check_updates(app).await,
        Action::Quit => quit(app).await,
        other => tracing::warn!(?other, "not a display action"),
    }
}

/// Shows the diff and writes only after the user says so.
async fn connect(app: &crate::TrayApp, client: Client) {
    let Some(host) = app
        .try_state::<Arc<GatewayHost>>()
        .map(|h| h.inner().clone())
    else {
        return;
    };
    let req = SetupRequest {
        client,
        model: None,
        api_key: None,
    };
    let plan = match plan_setup(&host, &req).await {
        Ok(plan) => plan,
        Err(e) => return message(app, MessageDialogKind::Error, &e),
    };
    if !plan.changed {
        let text = format!("{} already points at Switchyard.", plan.path.display());
        return message(app, MessageDialogKind::Info, &text);
    }
    let mut text = format!(
        "Switchyard will change {}:\n\n{}",
        plan.path.display(),
        plan.diff
    );
    for note in &plan.notes {
        text.push_str(&format!("\n{note}"));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .message(text)
        .title("Connect a client")
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Write".into(),
            "Cancel".into(),
        ))
        .show(move |ok| {
            let _ = tx.send(ok);
        });
    if rx.await != Ok(true) {
        return;
    }
    match client_setup::apply(&plan) {
        Ok(done) => {
            let backup = done
                .backup
                .map(|b| format!("\nBackup: {}", b.display()))
                .unwrap_or_default();
            let text = format!("Updated {}.{backup}", done.path.display());
            message(app, MessageDialogKind::Info, &text);
        }
        Err(e) => message(app, MessageDialogKind::Error, &e.to_string()),
    }
}

fn restore(app: &crate::TrayApp, client: Client) {
    let result =
        home_dir().and_then(|home| client_setup::restore(client, &home).map_err(|e| e.to_string()));
    match result {
        Ok(from) => message(
            app,
            MessageDialogKind::Info,
            &format!("Restored from {}", from.display()),
        ),
        Err(e) => message(app, MessageDialogKind::Error, &e),
    }
}

fn message(app: &crate::TrayApp, kind: MessageDialogKind, text: &str) {
    app.dialog()
        .message(text)
        .title("Switchyard")
        .kind(kind)
        .show(|_| {});
}

fn toggle_autostart(app: &crate::TrayApp) {
    let Some(tray) = app.try_state::<crate::tray::Tray>() else {
        return;
    };
    let want = tray.autostart.is_checked().unwrap_or(false);
    match set_autostart(app, want) {
        Ok(now) => {
            let _ = tray.autostart.set_checked(now);
        }
        Err(e) => notify(app, "Switchyard", &format!("launch at login: {e}")),
    }
}

async fn check_updates(app: &crate::TrayApp) {
    let Some(shell) = app.try_state::<crate::Shell>() else {
        return;
    };
    let text = match crate::updates::check(app, &shell.update_source()).await {
        Ok(Some(u)) => format!(
            "Switchyard {} is available (you have {}).",
            u.version, u.current_version
        ),
        Ok(None) => format!("Switchyard {} is up to date.", env!("CARGO_PKG_VERSION")),
        Err(e) => format!("Cannot check for updates: {e}"),
    };
    message(app, MessageDialogKind::Info, &text);
}

/// A yes/no question; `false` when the dialog is dismissed.
async fn ask(app: &crate::TrayApp, title: &str, text: String, yes: &str, no: &str) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .message(text)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(yes.into(), no.into()))
        .show(move |ok| {
            let _ = tx.send(ok);
        });
    rx.await == Ok(true)
}

/// No usable keyring: the weaker encrypted-file store only with the user's yes.
pub async fn ask_encrypted_file_consent(app: &crate::TrayApp, why: &str) -> bool {
    let text = format!(
        "Switchyard could not use the OS keyring:\n{why}\n\nIt can keep account tokens in an \
         encrypted file in its data folder instead. This is WEAKER than a keyring: the key \
         file (readable only by you) sits beside the data, so anyone who can read your files \
         can read the tokens.\n\nWithout either, the gateway stays stopped."
    );
    ask(
        app,
        "No OS keyring",
        text,
        "Use the encrypted file",
        "Keep stopped",
    )
    .await
}

/// The port is taken: offer the next free one.
pub async fn ask_other_port(app: &crate::TrayApp, port: u16, free: u16) -> bool {
    let text = format!(
        "Port {port} on 127.0.0.1 is already used by another program (or another Switchyard).\n\n\
         Use port {free} instead? Clients you connected to {port} will need connecting again."
    );
    ask(
        app,
        "Port in use",
        text,
        &format!("Use {free}"),
        "Keep stopped",
    )
    .await
}
