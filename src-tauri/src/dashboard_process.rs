//! The tray process's side of the dashboard: starts `switchyard-dashboard`
//! (`dashboard_app.rs`) when the user opens the dashboard (tray menu, a second launch, start-up
//! without `--minimized`), brings the running one to the front instead of starting another, and
//! answers the commands its page invokes (`commands::dispatch`) over the child's stdin and
//! stdout (`link.rs`). The tray binary does not even link WebKit (`tray_runtime`), and the tray
//! process returns to its start-up size once the window is closed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tauri::{AppHandle, Manager, Runtime};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::link::{self, ToDashboard, ToTray};

/// WebKit settings for the dashboard process and the WebKit processes it starts (they inherit
/// its environment); each applies only when the user has not set the variable. Figures from
/// `scripts/desktop-memory.sh` (docs/BENCHMARKS.md, "Desktop app memory").
#[cfg(target_os = "linux")]
const WEBKIT_ENV: &[(&str, &str)] = &[
    // JavaScriptCore's interpreter only: no JIT code and JSC's small-heap mode, about -35 MB in
    // the web process. The dashboard's JavaScript is light work for the interpreter.
    ("JSC_useJIT", "0"),
    // The page is drawn in software anyway (hardware acceleration is off, window.rs). Without
    // these two, WebKit still opens EGL in the dashboard process to find a GPU render node for
    // the web process, which maps Mesa and LLVM there (about 20 MB) for nothing. The device
    // path is deliberately one that does not exist: "no render node".
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/nonexistent"),
];
#[cfg(not(target_os = "linux"))]
const WEBKIT_ENV: &[(&str, &str)] = &[];

/// Managed state of the tray process: how to start the dashboard and the one that runs.
pub struct Dashboard {
    program: PathBuf,
    args: Vec<OsString>,
    current: Mutex<Option<Running>>,
    started: AtomicU64,
}

struct Running {
    /// Which start this is, so a late exit notice cannot clear a newer dashboard.
    generation: u64,
    pid: Option<u32>,
    to_child: UnboundedSender<ToDashboard>,
}

/// What [`Dashboard::open`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    Started { pid: Option<u32> },
    Focused,
}

impl Dashboard {
    /// `switchyard-dashboard`, installed next to this binary.
    pub fn next_to_this_binary() -> Result<Dashboard, String> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the Switchyard binary to open the dashboard: {e}"))?;
        let name = format!("{}{}", link::DASHBOARD_BINARY, std::env::consts::EXE_SUFFIX);
        Ok(Dashboard::with_program(
            exe.with_file_name(name),
            None::<OsString>,
        ))
    }

    /// Any program that speaks the link (the tests use a small shell script).
    pub fn with_program(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Dashboard {
        Dashboard {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            current: Mutex::new(None),
            started: AtomicU64::new(0),
        }
    }

    fn current(&self) -> MutexGuard<'_, Option<Running>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The running dashboard process, if any.
    pub fn pid(&self) -> Option<u32> {
        self.current().as_ref().and_then(|r| r.pid)
    }

    /// Focuses the running dashboard, or starts one. `app` must manage this `Dashboard`.
    pub fn open<R: Runtime>(&self, app: &AppHandle<R>) -> Result<Opened, String> {
        let mut current = self.current();
        if let Some(running) = current.as_ref() {
            if running.to_child.send(ToDashboard::Focus).is_ok() {
                tracing::info!(pid = ?running.pid, "dashboard already open: bringing it to the front");
                return Ok(Opened::Focused);
            }
        }
        // Tokio's process support needs its runtime; tray clicks and second launches arrive
        // on the GTK main thread, outside it.
        let _runtime = tauri::async_runtime::handle().inner().enter();
        let mut command = tokio::process::Command::new(&self.program);
        for (name, value) in WEBKIT_ENV {
            if std::env::var_os(name).is_none() {
                command.env(name, value);
            }
        }
        let mut child = command
            .args(&self.args)
            // The dashboard gets the admin token over the link when its page asks; a secret
            // given to the tray through the environment stays out of the child's environment
            // (and out of WebKit's helpers, which inherit it).
            .env_remove("ADMIN_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| match e.kind() {
                // `cargo run` builds only the tray binary; an install always has both.
                std::io::ErrorKind::NotFound => format!(
                    "the dashboard program is missing: {} (build both binaries: cargo build -p switchyard)",
                    self.program.display()
                ),
                _ => format!("cannot start the dashboard process: {e}"),
            })?;
        let pid = child.id();
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the dashboard process has no pipes".to_owned());
        };
        let (to_child, outbox) = mpsc::unbounded_channel();
        let _ = to_child.send(ToDashboard::Hello {
            protocol: link::PROTOCOL,
        });
        let generation = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        tauri::async_runtime::spawn(write_lines(outbox, stdin));
        tauri::async_runtime::spawn(serve(app.clone(), stdout, to_child.clone()));
        let watcher = app.clone();
        tauri::async_runtime::spawn(async move {
            let status = child.wait().await;
            tracing::info!(?pid, ?status, "dashboard process ended");
            if let Some(dashboard) = watcher.try_state::<Dashboard>() {
                dashboard.ended(generation);
            }
        });
        tracing::info!(?pid, "dashboard process started");
        *current = Some(Running {
            generation,
            pid,
            to_child,
        });
        Ok(Opened::Started { pid })
    }

    fn ended(&self, generation: u64) {
        let mut current = self.current();
        if current.as_ref().is_some_and(|r| r.generation == generation) {
            *current = None;
        }
    }
}

/// Opens the dashboard from anywhere in the tray app.
pub fn open<R: Runtime>(app: &AppHandle<R>) -> Result<Opened, String> {
    let dashboard = app
        .try_state::<Dashboard>()
        .ok_or_else(|| "the app is still starting".to_owned())?;
    dashboard.open(app)
}

/// Writes the tray's messages to the dashboard until it goes away.
async fn write_lines(mut outbox: UnboundedReceiver<ToDashboard>, mut to: impl AsyncWrite + Unpin) {
    while let Some(message) = outbox.recv().await {
        let line = link::encode(&message);
        if to.write_all(line.as_bytes()).await.is_err() || to.flush().await.is_err() {
            break;
        }
    }
}

/// Answers the dashboard's forwarded commands until its stdout closes (it exited). Each command
/// runs on its own task, so a slow one (an update check) does not hold up the others.
pub async fn serve<R: Runtime>(
    app: AppHandle<R>,
    from: impl AsyncRead + Unpin,
    to: UnboundedSender<ToDashboard>,
) {
    let mut lines = BufReader::new(from).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Some(ToTray::Invoke { id, command, args }) = link::decode(&line) else {
            tracing::debug!(line, "dashboard process output");
            continue;
        };
        let (app, to) = (app.clone(), to.clone());
        tauri::async_runtime::spawn(async move {
            let result = crate::commands::dispatch(&app, &command, args).await;
            if let Err(e) = &result {
                tracing::debug!(command, error = %e, "dashboard command failed");
            }
            let _ = to.send(ToDashboard::Reply { id, result });
        });
    }
}
