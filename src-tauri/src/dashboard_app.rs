//! The dashboard process: `switchyard-dashboard`, started by the tray process
//! (`dashboard_process.rs`) when the user opens the dashboard, and ended when its window closes.
//! It is the only process that ever runs WebKit: the tray process stays small however often
//! the dashboard is opened, and closing the window hands all of WebKit's memory back. It holds
//! no gateway and no secrets; every command the page invokes is forwarded to the tray over the
//! link (`link.rs`) and answered there. It registers neither the single-instance plugin (that
//! is the tray's, and would send this process's launch straight back to the tray) nor a tray.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{AppHandle, Builder, Context, RunEvent, Runtime, Wry};
use tokio::sync::oneshot;

use crate::link::{self, ToDashboard, ToTray};

/// How long a forwarded command may take before the page gets an error: `gateway_info` waits up
/// to 10 s for a gateway that is still starting, and an update check goes over the network.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Worker threads for the dashboard's few async tasks (forwarded commands).
const RUNTIME_WORKERS: usize = 1;
const RUNTIME_BLOCKING_THREADS: usize = 2;

type Reply = Result<Value, String>;

const NOT_ALONE: &str =
    "switchyard-dashboard is started by the Switchyard tray app; run `switchyard` instead";

/// The dashboard's end of the link: sends the page's commands to the tray and hands each reply
/// to the command waiting for it.
pub struct TrayLink {
    out: Mutex<Box<dyn Write + Send>>,
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Reply>>>,
}

impl TrayLink {
    pub fn new(out: Box<dyn Write + Send>) -> Arc<TrayLink> {
        Arc::new(TrayLink {
            out: Mutex::new(out),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
        })
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<u64, oneshot::Sender<Reply>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `command` in the tray process and returns its result.
    pub async fn call(&self, command: &str, args: Value) -> Reply {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending().insert(id, tx);
        let line = link::encode(&ToTray::Invoke {
            id,
            command: command.to_owned(),
            args,
        });
        let sent = {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        };
        if let Err(e) = sent {
            self.pending().remove(&id);
            return Err(format!("the Switchyard tray app is gone ({e})"));
        }
        match tokio::time::timeout(CALL_TIMEOUT, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err("the Switchyard tray app is gone".to_owned()),
            Err(_) => {
                self.pending().remove(&id);
                Err(format!(
                    "the Switchyard tray app did not answer {command} in time"
                ))
            }
        }
    }

    /// Hands a reply to the command waiting for it (none waits once it timed out).
    pub fn deliver(&self, id: u64, reply: Reply) {
        if let Some(tx) = self.pending().remove(&id) {
            let _ = tx.send(reply);
        }
    }

    /// The tray closed the link: waiting commands fail now instead of at their timeout.
    pub fn close(&self) {
        self.pending().clear();
    }
}

/// The dashboard window's invoke handler: every command goes to the tray. Tauri has already
/// checked the command against the capability file before calling this.
fn forward<R: Runtime>(link: Arc<TrayLink>) -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke| {
        let command = invoke.message.command().to_owned();
        let args = match invoke.message.payload() {
            InvokeBody::Json(args) => args.clone(),
            InvokeBody::Raw(_) => {
                invoke
                    .resolver
                    .reject(format!("{command}: binary arguments are not supported"));
                return true;
            }
        };
        let link = link.clone();
        invoke.resolver.respond_async(async move {
            link.call(&command, args).await.map_err(InvokeError::from)
        });
        true
    }
}

/// The dashboard process's command handling, shared by the real process and the mock-runtime
/// tests.
pub fn configure<R: Runtime>(builder: Builder<R>, link: Arc<TrayLink>) -> Builder<R> {
    builder.invoke_handler(forward(link))
}

/// Carries out one message from the tray.
pub fn on_message<R: Runtime>(app: &AppHandle<R>, link: &TrayLink, message: ToDashboard) {
    match message {
        ToDashboard::Reply { id, result } => link.deliver(id, result),
        ToDashboard::Focus => {
            if let Err(e) = crate::window::focus(app) {
                tracing::warn!(error = %e, "cannot bring the dashboard window to the front");
            }
        }
        ToDashboard::Hello { .. } => {}
    }
}

/// Checks that the tray app started this process (its first line on stdin), then shows the
/// dashboard until the window closes or the tray app goes away. Returns the exit code.
pub fn run(context: Context<Wry>) -> i32 {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("{NOT_ALONE}");
        return 2;
    }
    let mut first = String::new();
    let hello = stdin
        .read_line(&mut first)
        .ok()
        .and_then(|_| link::decode::<ToDashboard>(&first));
    match hello {
        Some(ToDashboard::Hello { protocol }) if protocol == link::PROTOCOL => {}
        other => {
            tracing::error!(
                ?other,
                "the dashboard process was not started by a matching tray app"
            );
            eprintln!("{NOT_ALONE}");
            return 2;
        }
    }
    let runtime = match crate::async_runtime(RUNTIME_WORKERS, RUNTIME_BLOCKING_THREADS) {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return 1;
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let link = TrayLink::new(Box::new(std::io::stdout()));
    let listener = link.clone();
    let app = configure(Builder::default(), link)
        // The window's size and position are remembered across dashboard processes; the
        // plugin restores them when the window is created and saves them when this process
        // exits, which closing the window always leads to.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(move |app| {
            crate::window::open(app.handle())?;
            listen_to_tray(app.handle().clone(), listener)?;
            crate::selftest::close_window_later(app.handle());
            Ok(())
        })
        .build(context);
    match app {
        Ok(app) => {
            tracing::info!(
                pid = std::process::id(),
                "dashboard process: window created"
            );
            app.run(|_app, event| {
                // No `prevent_exit`: closing the window (the last one) ends this process.
                if let RunEvent::Exit = event {
                    tracing::info!("dashboard process: window closed, exiting");
                }
            });
            0
        }
        Err(e) => {
            tracing::error!(error = %e, "the dashboard could not start");
            1
        }
    }
}

/// Reads the tray's messages until the link closes, then ends the dashboard: the tray app quit
/// or died, and a dashboard without its gateway is no use.
fn listen_to_tray(app: AppHandle, link: Arc<TrayLink>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("tray-link".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut line = String::new();
            loop {
                line.clear();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if let Some(message) = link::decode(&line) {
                            on_message(&app, &link, message);
                        }
                    }
                }
            }
            tracing::info!("dashboard process: the tray app closed the link, exiting");
            link.close();
            app.exit(0);
        })
        .map(drop)
}
