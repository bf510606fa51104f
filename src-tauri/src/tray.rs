//! The tray icon and its menu. The menu is built once; afterwards every item is updated in
//! place (texts, enabled, checked), and only the per-account submenus get their entries
//! replaced when the account list itself changes. Clicks go to [`crate::actions::handle`].

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::Manager;

use crate::actions::Action;
use crate::client_setup::Client;
use crate::pool::{AccountItem, Health, Summary};
use crate::tray_texts::TrayTexts;
use crate::{TrayApp, TrayRt};

const TRAY_ID: &str = "switchyard";

/// The live menu items, kept in managed state so updates can reach them.
pub struct Tray {
    icon: TrayIcon<TrayRt>,
    texts: &'static TrayTexts,
    status: MenuItem<TrayRt>,
    start: MenuItem<TrayRt>,
    stop: MenuItem<TrayRt>,
    pin_menu: Submenu<TrayRt>,
    pause_menu: Submenu<TrayRt>,
    pub autostart: CheckMenuItem<TrayRt>,
    shown: Mutex<Shown>,
}

/// What the menu currently shows, so an unchanged refresh touches nothing.
#[derive(Default, PartialEq)]
struct Shown {
    accounts: Vec<AccountItem>,
    pinned: Option<i64>,
    health: Option<Health>,
}

fn item(app: &TrayApp, action: Action, text: &str) -> tauri::Result<MenuItem<TrayRt>> {
    MenuItem::with_id(app, action.id(), text, true, None::<&str>)
}

/// Builds the tray and its menu; `autostart_on` seeds the check mark.
pub fn build(app: &TrayApp, texts: &'static TrayTexts, autostart_on: bool) -> tauri::Result<Tray> {
    let sep = || PredefinedMenuItem::separator(app);
    let status = MenuItem::with_id(app, "status", texts.stopped, false, None::<&str>)?;
    let start = item(app, Action::Start, texts.start)?;
    let stop = item(app, Action::Stop, texts.stop)?;
    let copy = Submenu::with_items(
        app,
        texts.copy_url,
        true,
        &[
            &item(app, Action::CopyOpenAi, texts.copy_openai)?,
            &item(app, Action::CopyAnthropic, texts.copy_anthropic)?,
        ],
    )?;
    let pin_menu = Submenu::with_items(app, texts.pin, true, &[])?;
    let pause_menu = Submenu::with_items(app, texts.pause, true, &[])?;
    let connect = Submenu::with_items(
        app,
        texts.connect_clients,
        true,
        &[
            &item(app, Action::Connect(Client::Codex), texts.connect_codex)?,
            &item(app, Action::Connect(Client::Claude), texts.connect_claude)?,
            &sep()?,
            &item(app, Action::Restore(Client::Codex), texts.restore_codex)?,
            &item(app, Action::Restore(Client::Claude), texts.restore_claude)?,
        ],
    )?;
    let autostart = CheckMenuItem::with_id(
        app,
        Action::ToggleAutostart.id(),
        texts.launch_at_login,
        true,
        autostart_on,
        None::<&str>,
    )?;
    let entries: &[&dyn IsMenuItem<TrayRt>] = &[
        &status,
        &sep()?,
        &start,
        &stop,
        &copy,
        &pin_menu,
        &pause_menu,
        &sep()?,
        &item(app, Action::OpenDashboard, texts.open_dashboard)?,
        &connect,
        &sep()?,
        &autostart,
        &item(app, Action::CheckUpdates, texts.check_updates)?,
        &sep()?,
        &item(app, Action::Quit, texts.quit)?,
    ];
    let menu = Menu::with_items(app, entries)?;
    let icon = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon_for(Health::Stopped)?)
        .tooltip("Switchyard")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::on_menu_event(app, event.id().as_ref()))
        .build(app)?;
    tracing::info!(items = entries.len(), "tray menu built");
    Ok(Tray {
        icon,
        texts,
        status,
        start,
        stop,
        pin_menu,
        pause_menu,
        autostart,
        shown: Mutex::new(Shown::default()),
    })
}

fn icon_for(health: Health) -> tauri::Result<Image<'static>> {
    let bytes: &[u8] = match health {
        Health::Running => include_bytes!("../../icons/tray-running.png"),
        Health::Stopped => include_bytes!("../../icons/tray-stopped.png"),
        Health::Degraded => include_bytes!("../../icons/tray-degraded.png"),
    };
    Image::from_bytes(bytes)
}

/// The one-line status: "Running on 127.0.0.1:8708 · 2 of 3 accounts ready · quota left 64%".
pub fn status_line(t: &TrayTexts, s: &Summary) -> String {
    if !s.running {
        return t.stopped.to_owned();
    }
    let quota = match s.quota_left_percent {
        Some(q) => format!("{} {q:.0}%", t.quota_left),
        None => t.quota_unknown.to_owned(),
    };
    format!(
        "{} 127.0.0.1:{} · {} / {} {} · {quota}",
        t.running_on, s.port, s.ready, s.total, t.accounts_ready
    )
}

impl Tray {
    /// Brings the menu and icon up to date with `summary`, in place.
    pub fn refresh(&self, app: &TrayApp, summary: &Summary) -> tauri::Result<()> {
        let health = summary.health();
        self.status.set_text(status_line(self.texts, summary))?;
        self.start.set_enabled(!summary.running)?;
        self.stop.set_enabled(summary.running)?;
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.health != Some(health) {
            self.icon.set_icon(Some(icon_for(health)?))?;
            shown.health = Some(health);
        }
        if shown.accounts != summary.accounts || shown.pinned != summary.pinned {
            self.fill_account_menus(app, summary)?;
            shown.accounts = summary.accounts.clone();
            shown.pinned = summary.pinned;
        }
        Ok(())
    }

    fn fill_account_menus(&self, app: &TrayApp, s: &Summary) -> tauri::Result<()> {
        for menu in [&self.pin_menu, &self.pause_menu] {
            for old in menu.items()? {
                menu.remove(&old)?;
            }
        }
        let auto = CheckMenuItem::with_id(
            app,
            Action::PinAutomatic.id(),
            self.texts.automatic,
            true,
            s.pinned.is_none(),
            None::<&str>,
        )?;
        self.pin_menu.append(&auto)?;
        if s.accounts.is_empty() {
            let none = MenuItem::new(app, self.texts.no_accounts, false, None::<&str>)?;
            self.pause_menu.append(&none)?;
        }
        for a in &s.accounts {
            let pin = CheckMenuItem::with_id(
                app,
                Action::Pin(a.id).id(),
                &a.name,
                a.ready,
                s.pinned == Some(a.id),
                None::<&str>,
            )?;
            self.pin_menu.append(&pin)?;
            let pause = CheckMenuItem::with_id(
                app,
                Action::Pause(a.id).id(),
                &a.name,
                true,
                a.paused,
                None::<&str>,
            )?;
            self.pause_menu.append(&pause)?;
        }
        Ok(())
    }
}

/// Refreshes the tray if there is one (there is none under the mock runtime).
pub fn refresh_if_present(app: &TrayApp, summary: &Summary) {
    if let Some(tray) = app.try_state::<Tray>() {
        if let Err(e) = tray.refresh(app, summary) {
            tracing::warn!(error = %e, "cannot update the tray menu");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tray_texts::{texts, Lang};

    #[test]
    fn the_status_line_reads_naturally_in_both_languages() {
        let s = Summary {
            running: true,
            port: 8708,
            ready: 2,
            total: 3,
            quota_left_percent: Some(64.4),
            ..Summary::default()
        };
        assert_eq!(
            status_line(texts(Lang::En), &s),
            "Running on 127.0.0.1:8708 · 2 / 3 accounts ready · quota left 64%"
        );
        assert!(status_line(texts(Lang::Zh), &s).starts_with("运行于 127.0.0.1:8708"));
        let stopped = Summary::default();
        assert_eq!(status_line(texts(Lang::En), &stopped), "Gateway stopped");
    }
}
