//! Tray menu ids and what they do to the gateway. Kept apart from the menu widgets and
//! generic over the runtime, so the mock-runtime tests drive the very handler the tray calls.
//! Anything needing a display (clipboard, dialogs, windows) comes back as an [`Outcome`] for
//! the caller to carry out.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};

use crate::client_setup::Client;
use crate::gateway_host::GatewayHost;
use crate::pool;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    CopyOpenAi,
    CopyAnthropic,
    PinAutomatic,
    Pin(i64),
    /// Toggles the account's pause.
    Pause(i64),
    OpenDashboard,
    Connect(Client),
    Restore(Client),
    ToggleAutostart,
    CheckUpdates,
    Quit,
}

impl Action {
    pub fn id(&self) -> String {
        match self {
            Action::Start => "gateway.start".into(),
            Action::Stop => "gateway.stop".into(),
            Action::CopyOpenAi => "copy.openai".into(),
            Action::CopyAnthropic => "copy.anthropic".into(),
            Action::PinAutomatic => "pin.auto".into(),
            Action::Pin(id) => format!("pin.{id}"),
            Action::Pause(id) => format!("pause.{id}"),
            Action::OpenDashboard => "dashboard".into(),
            Action::Connect(Client::Codex) => "connect.codex".into(),
            Action::Connect(Client::Claude) => "connect.claude".into(),
            Action::Restore(Client::Codex) => "restore.codex".into(),
            Action::Restore(Client::Claude) => "restore.claude".into(),
            Action::ToggleAutostart => "autostart".into(),
            Action::CheckUpdates => "updates".into(),
            Action::Quit => "quit".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Action> {
        let simple = [
            Action::Start,
            Action::Stop,
            Action::CopyOpenAi,
            Action::CopyAnthropic,
            Action::PinAutomatic,
            Action::OpenDashboard,
            Action::Connect(Client::Codex),
            Action::Connect(Client::Claude),
            Action::Restore(Client::Codex),
            Action::Restore(Client::Claude),
            Action::ToggleAutostart,
            Action::CheckUpdates,
            Action::Quit,
        ];
        if let Some(a) = simple.into_iter().find(|a| a.id() == id) {
            return Some(a);
        }
        let (kind, num) = id.split_once('.')?;
        let num: i64 = num.parse().ok()?;
        match kind {
            "pin" => Some(Action::Pin(num)),
            "pause" => Some(Action::Pause(num)),
            _ => None,
        }
    }
}

/// What the caller still has to do after [`handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The gateway state changed (or nothing needs a display); refresh the tray.
    Done,
    /// Put this text on the clipboard.
    Copy(String),
    Ui(Action),
}

/// Runs a tray action against the gateway. Errors come back as one line for a notification.
pub async fn handle<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<Outcome, String> {
    let action = Action::parse(id).ok_or_else(|| format!("unknown tray item {id:?}"))?;
    let host = app
        .try_state::<Arc<GatewayHost>>()
        .map(|s| s.inner().clone())
        .ok_or_else(|| "the gateway is still being set up".to_owned())?;
    perform(&host, action).await
}

pub async fn perform(host: &GatewayHost, action: Action) -> Result<Outcome, String> {
    match action {
        Action::Start => host
            .start()
            .await
            .map(|_| Outcome::Done)
            .map_err(|e| e.to_string()),
        Action::Stop => {
            host.stop().await;
            Ok(Outcome::Done)
        }
        Action::CopyOpenAi => Ok(Outcome::Copy(host.openai_base_url())),
        Action::CopyAnthropic => Ok(Outcome::Copy(host.base_url())),
        Action::PinAutomatic => pool::set_pin(host, None)
            .await
            .map(|()| Outcome::Done)
            .map_err(|e| e.to_string()),
        Action::Pin(id) => pool::set_pin(host, Some(id))
            .await
            .map(|()| Outcome::Done)
            .map_err(|e| e.to_string()),
        Action::Pause(id) => {
            let summary = pool::summary(host).await;
            let paused = summary
                .accounts
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.paused)
                .ok_or_else(|| format!("account {id} is not in the pool"))?;
            pool::set_paused(host, id, !paused)
                .await
                .map(|()| Outcome::Done)
                .map_err(|e| e.to_string())
        }
        other => Ok(Outcome::Ui(other)),
    }
}
