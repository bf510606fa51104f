//! Mock-runtime tests of the dashboard's two processes: the page's commands travel from the
//! dashboard app's window over the link to the tray app and back (both ends in this process,
//! joined by in-memory pipes), and the tray starts, focuses and loses a real child process that
//! speaks the link (a shell script standing in for `switchyard-dashboard`, which needs a
//! display).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::Manager;
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;

use crate::dashboard_app::{self, TrayLink};
use crate::dashboard_process::{self, Dashboard, Opened};
use crate::link::{self, ToDashboard};
use crate::mock_tests::{app_with, host, TOKEN};

/// The dashboard's stdout in these tests: whole lines into a channel.
struct LineSink(mpsc::UnboundedSender<Vec<u8>>);

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::ErrorKind::BrokenPipe)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn invoke(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    tauri::test::get_ipc_response(
        window,
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|r| r.deserialize::<serde_json::Value>().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_gets_the_base_url_and_admin_token_from_the_tray_over_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path(), None);
    let port = host.start().await.unwrap();
    let tray = app_with(host.clone());

    // Dashboard → tray: what the dashboard writes to its stdout feeds the tray's `serve`.
    let (to_tray, mut dashboard_stdout) = mpsc::unbounded_channel::<Vec<u8>>();
    let (mut tray_stdin_w, tray_stdin_r) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        while let Some(bytes) = dashboard_stdout.recv().await {
            tray_stdin_w.write_all(&bytes).await.unwrap();
        }
    });
    let link = TrayLink::new(Box::new(LineSink(to_tray)));
    let dashboard = dashboard_app::configure(mock_builder(), link.clone())
        .build(mock_context(noop_assets()))
        .unwrap();
    // Tray → dashboard: the tray's replies are carried out by the dashboard app.
    let (to_dashboard, mut replies) = mpsc::unbounded_channel();
    tokio::spawn(dashboard_process::serve(
        tray.handle().clone(),
        tray_stdin_r,
        to_dashboard,
    ));
    let handle = dashboard.handle().clone();
    let receiver = link.clone();
    tokio::spawn(async move {
        while let Some(message) = replies.recv().await {
            dashboard_app::on_message(&handle, &receiver, message);
        }
    });

    let window = tauri::WebviewWindowBuilder::new(&dashboard, "main", Default::default())
        .build()
        .unwrap();
    // `get_ipc_response` blocks until the reply, which needs this runtime's other workers.
    let info = tokio::task::block_in_place(|| {
        invoke(&window, "gateway_info", serde_json::json!({})).unwrap()
    });
    assert_eq!(info["base_url"], format!("http://127.0.0.1:{port}"));
    assert_eq!(
        info["openai_base_url"],
        format!("http://127.0.0.1:{port}/v1")
    );
    assert_eq!(info["token"], TOKEN);
    assert_eq!(info["running"], true);
    assert_eq!(info["secret_store"], "memory");
    // The page can use what it was given against the admin API.
    let ping = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/admin/ping"))
        .bearer_auth(info["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(ping.status().is_success());

    // Errors and bad arguments come back to the page as rejections, not hangs.
    let bad = tokio::task::block_in_place(|| {
        invoke(&window, "set_autostart", serde_json::json!({ "on": 1 }))
    });
    let bad = bad.unwrap_err();
    assert!(bad.as_str().unwrap().contains("invalid arguments"), "{bad}");
    host.stop().await;
}

#[cfg(target_os = "linux")]
/// Stands in for `switchyard-dashboard`: checks the hello, asks for `gateway_info`, records
/// the reply, its own command line and environment, then waits for a focus and exits (as if
/// its window was closed right after).
fn fake_dashboard(dir: &std::path::Path) -> Dashboard {
    let script = format!(
        r#"read hello; printf '%s\n' "$hello" > "{d}/hello"
printf '%s\n' 'GTK noise that is not a message'
printf '%s\n' '{{"kind":"invoke","id":1,"command":"gateway_info","args":{{}}}}'
read reply; printf '%s\n' "$reply" > "{d}/reply.tmp"; mv "{d}/reply.tmp" "{d}/reply"
tr '\0' ' ' < /proc/$$/cmdline > "{d}/cmdline"; tr '\0' '\n' < /proc/$$/environ > "{d}/environ"
read focus; printf '%s\n' "$focus" > "{d}/focus""#,
        d = dir.display()
    );
    Dashboard::with_program("/bin/sh", ["-c".to_owned(), script])
}

#[cfg(target_os = "linux")]
async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn the_tray_starts_one_dashboard_process_focuses_it_and_notices_it_ending() {
    let dir = tempfile::tempdir().unwrap();
    let talk = tempfile::tempdir().unwrap();
    let host = host(dir.path(), None);
    host.start().await.unwrap();
    let tray = app_with(host.clone());
    tray.manage(fake_dashboard(talk.path()));
    let dashboard = tray.state::<Dashboard>();

    let first = dashboard_process::open(tray.handle()).unwrap();
    let Opened::Started { pid: Some(pid) } = first else {
        panic!("{first:?}");
    };
    assert_eq!(dashboard.pid(), Some(pid));
    let reply_path = talk.path().join("reply");
    wait_for("the reply to gateway_info", || reply_path.exists()).await;
    let hello = std::fs::read_to_string(talk.path().join("hello")).unwrap();
    assert_eq!(
        link::decode::<ToDashboard>(&hello),
        Some(ToDashboard::Hello {
            protocol: link::PROTOCOL
        })
    );
    let reply = std::fs::read_to_string(&reply_path).unwrap();
    let Some(ToDashboard::Reply {
        id: 1,
        result: Ok(info),
    }) = link::decode(&reply)
    else {
        panic!("{reply}");
    };
    assert_eq!(info["token"], TOKEN);
    assert_eq!(info["base_url"], host.base_url());
    // The token never appears where other processes could read it.
    for exposed in ["cmdline", "environ"] {
        let text = std::fs::read_to_string(talk.path().join(exposed)).unwrap();
        assert!(
            !text.contains(TOKEN),
            "the token is in the child's {exposed}"
        );
    }

    // Opening again focuses the running dashboard instead of starting a second one.
    assert_eq!(dashboard_process::open(tray.handle()), Ok(Opened::Focused));
    // The fake exits once focused, as a closed window ends the real one.
    wait_for("the dashboard process to be gone", || {
        dashboard.pid().is_none()
    })
    .await;
    let focus = std::fs::read_to_string(talk.path().join("focus")).unwrap();
    assert_eq!(
        link::decode::<ToDashboard>(&focus),
        Some(ToDashboard::Focus)
    );

    // The next open starts a fresh process.
    std::fs::remove_file(&reply_path).unwrap();
    let again = dashboard_process::open(tray.handle()).unwrap();
    assert!(
        matches!(again, Opened::Started { pid: Some(p) } if p != pid),
        "{again:?}"
    );
    wait_for("the second dashboard's reply", || reply_path.exists()).await;
    assert_eq!(dashboard_process::open(tray.handle()), Ok(Opened::Focused));
    wait_for("the second dashboard to be gone", || {
        dashboard.pid().is_none()
    })
    .await;
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dashboard_whose_tray_is_gone_fails_its_commands_at_once() {
    let (to_tray, tray_side) = mpsc::unbounded_channel::<Vec<u8>>();
    drop(tray_side);
    let link = TrayLink::new(Box::new(LineSink(to_tray)));
    let err = link
        .call("gateway_info", serde_json::json!({}))
        .await
        .unwrap_err();
    assert!(err.contains("tray app is gone"), "{err}");

    // A reply that never comes: closing the link ends the wait.
    let (to_tray, _kept) = mpsc::unbounded_channel::<Vec<u8>>();
    let link = TrayLink::new(Box::new(LineSink(to_tray)));
    let waiting = Arc::clone(&link);
    let call =
        tokio::spawn(async move { waiting.call("check_update", serde_json::json!({})).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    link.close();
    let err = call.await.unwrap().unwrap_err();
    assert!(err.contains("tray app is gone"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_program_is_found_next_to_the_tray_or_named_when_missing() {
    let dir = tempfile::tempdir().unwrap();
    let tray = app_with(host(dir.path(), None));
    let exe = std::env::current_exe().unwrap();
    let beside = Dashboard::next_to_this_binary().unwrap();
    tray.manage(beside);
    let err = dashboard_process::open(tray.handle()).unwrap_err();
    // The test binary has no `switchyard-dashboard` beside it: the error names where it looked.
    let name = format!("{}{}", link::DASHBOARD_BINARY, std::env::consts::EXE_SUFFIX);
    let expected = exe.with_file_name(name);
    assert!(
        err.contains("the dashboard program is missing")
            && err.contains(&expected.display().to_string()),
        "{err}"
    );
    assert_eq!(tray.state::<Dashboard>().pid(), None);
}
