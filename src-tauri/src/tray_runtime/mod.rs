//! The tray process's Tauri runtime on Linux: tao's event loop (GTK underneath, which the tray
//! icon, its menus and the dialogs need) and nothing else. It cannot create windows or
//! webviews, so the tray binary never references WebKitGTK and the dynamic loader never maps
//! it: loading and relocating WebKit and its dependencies cost the tray ~20 MB PSS before a
//! single page was drawn (docs/BENCHMARKS.md, "Desktop app memory"). The window lives in the
//! dashboard binary (`switchyard-dashboard`), which runs Tauri's usual runtime, Wry.
//!
//! Everything Tauri asks of a runtime for a tray app is real here: the event loop with
//! `Ready`/`Exit`/`ExitRequested`, user events (tray and menu clicks reach Tauri through them),
//! tasks on the main thread, and exit requests. Window and webview calls cannot happen: the
//! dispatcher types are uninhabited (`no_window.rs`), and creating one is an error.
//!
//! Written against `tauri-runtime` 2.12; a tauri upgrade that adds methods to its traits needs
//! them added here (the compiler names them).

mod no_window;

use std::fmt;
use std::sync::mpsc::channel;
use std::thread::ThreadId;

use raw_window_handle::{DisplayHandle, HandleError};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoop, EventLoopBuilder, EventLoopProxy as TaoProxy};
use tao::platform::unix::EventLoopBuilderExtUnix as _;
use tauri::Theme;
use tauri_runtime::dpi::PhysicalPosition;
use tauri_runtime::monitor::Monitor;
use tauri_runtime::webview::{DetachedWebview, PendingWebview};
use tauri_runtime::window::{DetachedWindow, PendingWindow, RawWindow, WindowId};
use tauri_runtime::{
    DeviceEventFilter, Error, EventLoopProxy, ExitRequestedEventAction, Result, RunEvent, Runtime,
    RuntimeHandle, RuntimeInitArgs, UserEvent,
};

pub use no_window::{NoWebview, NoWindow, NoWindowBuilder};

/// What goes through tao's event loop: Tauri's own events, work for the main thread, and
/// exit requests (which Tauri's callback may prevent).
enum Message<T> {
    User(T),
    Task(Box<dyn FnOnce() + Send>),
    RequestExit(i32),
}

impl<T: fmt::Debug> fmt::Debug for Message<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::User(t) => f.debug_tuple("User").field(t).finish(),
            Message::Task(_) => f.write_str("Task"),
            Message::RequestExit(code) => f.debug_tuple("RequestExit").field(code).finish(),
        }
    }
}

/// The tray-only runtime. `T` is Tauri's `EventLoopMessage`.
pub struct TrayRuntime<T: UserEvent> {
    event_loop: EventLoop<Message<T>>,
    handle: TrayHandle<T>,
}

impl<T: UserEvent> fmt::Debug for TrayRuntime<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrayRuntime").finish_non_exhaustive()
    }
}

/// The `Send` handle: posts to the event loop, or runs right away when already on it (Tauri's
/// menu calls block on the result of a main-thread task, so queueing one from the main thread
/// would wait forever).
pub struct TrayHandle<T: UserEvent> {
    proxy: TaoProxy<Message<T>>,
    main_thread: ThreadId,
}

impl<T: UserEvent> Clone for TrayHandle<T> {
    fn clone(&self) -> Self {
        TrayHandle {
            proxy: self.proxy.clone(),
            main_thread: self.main_thread,
        }
    }
}

impl<T: UserEvent> fmt::Debug for TrayHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrayHandle").finish_non_exhaustive()
    }
}

/// Sends Tauri's events (tray and menu clicks among them) into the loop.
pub struct TrayProxy<T: UserEvent>(TaoProxy<Message<T>>);

impl<T: UserEvent> Clone for TrayProxy<T> {
    fn clone(&self) -> Self {
        TrayProxy(self.0.clone())
    }
}

impl<T: UserEvent> fmt::Debug for TrayProxy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrayProxy").finish_non_exhaustive()
    }
}

impl<T: UserEvent> EventLoopProxy<T> for TrayProxy<T> {
    fn send_event(&self, event: T) -> Result<()> {
        self.0
            .send_event(Message::User(event))
            .map_err(|_| Error::EventLoopClosed)
    }
}

fn no_window() -> Error {
    Error::CreateWindow
}

fn no_webview() -> Error {
    Error::CreateWebview("the tray process has no webviews; the dashboard runs in its own".into())
}

impl<T: UserEvent> TrayRuntime<T> {
    fn build(args: RuntimeInitArgs, any_thread: bool) -> TrayRuntime<T> {
        let mut builder = EventLoopBuilder::<Message<T>>::with_user_event();
        builder.with_any_thread(any_thread);
        if let Some(app_id) = args.app_id {
            builder.with_app_id(app_id);
        }
        let event_loop = builder.build();
        let handle = TrayHandle {
            proxy: event_loop.create_proxy(),
            main_thread: std::thread::current().id(),
        };
        TrayRuntime { event_loop, handle }
    }
}

impl<T: UserEvent> TrayHandle<T> {
    fn post(&self, message: Message<T>) -> Result<()> {
        self.proxy
            .send_event(message)
            .map_err(|_| Error::EventLoopClosed)
    }
}

impl<T: UserEvent> RuntimeHandle<T> for TrayHandle<T> {
    type Runtime = TrayRuntime<T>;

    fn create_proxy(&self) -> TrayProxy<T> {
        TrayProxy(self.proxy.clone())
    }

    fn request_exit(&self, code: i32) -> Result<()> {
        self.post(Message::RequestExit(code))
    }

    fn create_window<F: Fn(RawWindow) + Send + 'static>(
        &self,
        _pending: PendingWindow<T, TrayRuntime<T>>,
        _after_window_creation: Option<F>,
    ) -> Result<DetachedWindow<T, TrayRuntime<T>>> {
        Err(no_window())
    }

    fn create_webview(
        &self,
        _window_id: WindowId,
        _pending: PendingWebview<T, TrayRuntime<T>>,
    ) -> Result<DetachedWebview<T, TrayRuntime<T>>> {
        Err(no_webview())
    }

    fn run_on_main_thread<F: FnOnce() + Send + 'static>(&self, f: F) -> Result<()> {
        if std::thread::current().id() == self.main_thread {
            f();
            Ok(())
        } else {
            self.post(Message::Task(Box::new(f)))
        }
    }

    fn display_handle(&self) -> std::result::Result<DisplayHandle<'_>, HandleError> {
        Err(HandleError::NotSupported)
    }

    fn primary_monitor(&self) -> Result<Option<Monitor>> {
        Ok(None)
    }

    fn monitor_from_point(&self, _x: f64, _y: f64) -> Result<Option<Monitor>> {
        Ok(None)
    }

    fn available_monitors(&self) -> Result<Vec<Monitor>> {
        Ok(Vec::new())
    }

    fn cursor_position(&self) -> Result<PhysicalPosition<f64>> {
        Err(Error::FailedToGetCursorPosition)
    }

    fn set_theme(&self, _theme: Option<Theme>) {}

    fn set_device_event_filter(&self, _filter: DeviceEventFilter) {}
}

impl<T: UserEvent> Runtime<T> for TrayRuntime<T> {
    type WindowDispatcher = NoWindow<T>;
    type WebviewDispatcher = NoWebview<T>;
    type Handle = TrayHandle<T>;
    type EventLoopProxy = TrayProxy<T>;

    fn new(args: RuntimeInitArgs) -> Result<Self> {
        Ok(TrayRuntime::build(args, false))
    }

    fn new_any_thread(args: RuntimeInitArgs) -> Result<Self> {
        Ok(TrayRuntime::build(args, true))
    }

    fn create_proxy(&self) -> TrayProxy<T> {
        TrayProxy(self.event_loop.create_proxy())
    }

    fn handle(&self) -> TrayHandle<T> {
        self.handle.clone()
    }

    fn create_window<F: Fn(RawWindow) + Send + 'static>(
        &self,
        _pending: PendingWindow<T, Self>,
        _after_window_creation: Option<F>,
    ) -> Result<DetachedWindow<T, Self>> {
        Err(no_window())
    }

    fn create_webview(
        &self,
        _window_id: WindowId,
        _pending: PendingWebview<T, Self>,
    ) -> Result<DetachedWebview<T, Self>> {
        Err(no_webview())
    }

    fn primary_monitor(&self) -> Option<Monitor> {
        None
    }

    fn monitor_from_point(&self, _x: f64, _y: f64) -> Option<Monitor> {
        None
    }

    fn available_monitors(&self) -> Vec<Monitor> {
        Vec::new()
    }

    fn cursor_position(&self) -> Result<PhysicalPosition<f64>> {
        Err(Error::FailedToGetCursorPosition)
    }

    fn set_theme(&self, _theme: Option<Theme>) {}

    fn set_device_event_filter(&mut self, _filter: DeviceEventFilter) {}

    fn run_iteration<F: FnMut(RunEvent<T>) + 'static>(&mut self, mut callback: F) {
        use tao::platform::run_return::EventLoopExtRunReturn as _;
        self.event_loop.run_return(|event, _, control_flow| {
            let last = matches!(event, Event::MainEventsCleared);
            on_event(event, control_flow, &mut callback);
            if last {
                *control_flow = ControlFlow::Exit;
            }
        });
    }

    fn run_return<F: FnMut(RunEvent<T>) + 'static>(mut self, mut callback: F) -> i32 {
        use tao::platform::run_return::EventLoopExtRunReturn as _;
        self.event_loop
            .run_return(move |event, _, control_flow| on_event(event, control_flow, &mut callback))
    }

    fn run<F: FnMut(RunEvent<T>) + 'static>(self, mut callback: F) {
        self.event_loop
            .run(move |event, _, control_flow| on_event(event, control_flow, &mut callback))
    }
}

/// One turn of the loop, with Wry's meaning for each event Tauri relies on.
fn on_event<T: UserEvent>(
    event: Event<'_, Message<T>>,
    control_flow: &mut ControlFlow,
    callback: &mut impl FnMut(RunEvent<T>),
) {
    if !matches!(
        *control_flow,
        ControlFlow::Exit | ControlFlow::ExitWithCode(_)
    ) {
        *control_flow = ControlFlow::Wait;
    }
    match event {
        Event::NewEvents(StartCause::Init) => callback(RunEvent::Ready),
        Event::NewEvents(StartCause::Poll) => callback(RunEvent::Resumed),
        Event::MainEventsCleared => callback(RunEvent::MainEventsCleared),
        Event::LoopDestroyed => callback(RunEvent::Exit),
        Event::UserEvent(Message::User(t)) => callback(RunEvent::UserEvent(t)),
        Event::UserEvent(Message::Task(task)) => task(),
        Event::UserEvent(Message::RequestExit(code)) => {
            let (tx, rx) = channel();
            callback(RunEvent::ExitRequested {
                code: Some(code),
                tx,
            });
            if !matches!(rx.try_recv(), Ok(ExitRequestedEventAction::Prevent)) {
                *control_flow = ControlFlow::ExitWithCode(code);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Feeds `event` through `on_event` and returns the control flow and what Tauri was told.
    fn turn(
        event: Event<'static, Message<u32>>,
        flow: ControlFlow,
        prevent_exit: bool,
    ) -> (ControlFlow, Vec<String>) {
        let mut flow = flow;
        let mut seen = Vec::new();
        on_event(event, &mut flow, &mut |e: RunEvent<u32>| {
            seen.push(match e {
                RunEvent::Ready => "ready".to_owned(),
                RunEvent::Exit => "exit".to_owned(),
                RunEvent::UserEvent(n) => format!("user {n}"),
                RunEvent::ExitRequested { code, tx } => {
                    if prevent_exit {
                        tx.send(ExitRequestedEventAction::Prevent).unwrap();
                    }
                    format!("exit requested {code:?}")
                }
                other => format!("{other:?}"),
            });
        });
        (flow, seen)
    }

    #[test]
    fn start_and_end_of_the_loop_reach_tauri() {
        let (flow, seen) = turn(Event::NewEvents(StartCause::Init), ControlFlow::Poll, false);
        assert_eq!((flow, seen), (ControlFlow::Wait, vec!["ready".to_owned()]));
        let (_, seen) = turn(Event::LoopDestroyed, ControlFlow::Exit, false);
        assert_eq!(seen, ["exit"]);
    }

    #[test]
    fn tray_and_menu_events_reach_tauri_and_tasks_run_on_the_loop() {
        let (_, seen) = turn(Event::UserEvent(Message::User(7)), ControlFlow::Wait, false);
        assert_eq!(seen, ["user 7"]);
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let task = Message::Task(Box::new(move || flag.store(true, Ordering::SeqCst)));
        let (flow, seen) = turn(Event::UserEvent(task), ControlFlow::Wait, false);
        assert!(ran.load(Ordering::SeqCst));
        assert_eq!((flow, seen.len()), (ControlFlow::Wait, 0));
    }

    #[test]
    fn an_exit_request_ends_the_loop_unless_tauri_prevents_it() {
        let quit = || Event::UserEvent(Message::RequestExit(3));
        let (flow, seen) = turn(quit(), ControlFlow::Wait, false);
        assert_eq!(flow, ControlFlow::ExitWithCode(3));
        assert_eq!(seen, ["exit requested Some(3)"]);
        let (flow, _) = turn(quit(), ControlFlow::Wait, true);
        assert_eq!(flow, ControlFlow::Wait);
        // Once exiting, later events in the same turn do not bring the loop back to waiting.
        let (flow, _) = turn(
            Event::MainEventsCleared,
            ControlFlow::ExitWithCode(3),
            false,
        );
        assert_eq!(flow, ControlFlow::ExitWithCode(3));
    }
}
