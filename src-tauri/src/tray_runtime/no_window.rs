//! The window and webview types of the tray runtime. The dispatchers hold an uninhabited value:
//! the runtime refuses to create windows and webviews, so no dispatcher ever exists and every
//! method is provably unreachable (`match self.never {}`), which the compiler checks rather
//! than a panic at run time. The builder is a plain value because Tauri constructs one before
//! asking the runtime for the window, which the runtime then refuses.

use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;

use raw_window_handle::{HandleError, WindowHandle};
use tauri::utils::config::{Color, WindowConfig};
use tauri::utils::TitleBarStyle;
use tauri::{Theme, Url};
use tauri_runtime::dpi::{PhysicalPosition, PhysicalSize, Position, Rect, Size};
use tauri_runtime::monitor::Monitor;
use tauri_runtime::webview::{DetachedWebview, PendingWebview};
use tauri_runtime::window::{
    CursorIcon, DetachedWindow, PendingWindow, RawWindow, WindowBuilder, WindowBuilderBase,
    WindowEvent, WindowSizeConstraints,
};
use tauri_runtime::{
    Cookie, Icon, ProgressBarState, ResizeDirection, Result, UserAttentionType, UserEvent,
    WebviewDispatch, WebviewEventId, WindowDispatch, WindowEventId,
};

use super::TrayRuntime;

/// A window dispatcher that cannot exist.
pub struct NoWindow<T> {
    never: Infallible,
    event: PhantomData<fn() -> T>,
}

/// A webview dispatcher that cannot exist.
pub struct NoWebview<T> {
    never: Infallible,
    event: PhantomData<fn() -> T>,
}

macro_rules! uninhabited_basics {
    ($ty:ident) => {
        impl<T> Clone for $ty<T> {
            fn clone(&self) -> Self {
                match self.never {}
            }
        }

        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.never {}
            }
        }
    };
}

uninhabited_basics!(NoWindow);
uninhabited_basics!(NoWebview);

/// `&self` methods whose body can never run.
macro_rules! unreachable_methods {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?;)*) => {
        $(
            fn $name(&self $(, $arg: $ty)*) $(-> $ret)? {
                $(let _ = $arg;)*
                match self.never {}
            }
        )*
    };
}

impl<T: UserEvent> WebviewDispatch<T> for NoWebview<T> {
    type Runtime = TrayRuntime<T>;

    fn run_on_main_thread<F: FnOnce() + Send + 'static>(&self, _f: F) -> Result<()> {
        match self.never {}
    }

    fn on_webview_event<F: Fn(&tauri_runtime::window::WebviewEvent) + Send + 'static>(
        &self,
        _f: F,
    ) -> WebviewEventId {
        match self.never {}
    }

    fn with_webview<F: FnOnce(Box<dyn std::any::Any>) + Send + 'static>(
        &self,
        _f: F,
    ) -> Result<()> {
        match self.never {}
    }

    fn eval_script<S: Into<String>>(&self, _script: S) -> Result<()> {
        match self.never {}
    }

    fn eval_script_with_callback<S: Into<String>>(
        &self,
        _script: S,
        _callback: impl Fn(String) + Send + 'static,
    ) -> Result<()> {
        match self.never {}
    }

    // Present in tauri-runtime's trait only with debug assertions or its `devtools` feature,
    // which Switchyard does not turn on.
    #[cfg(debug_assertions)]
    unreachable_methods! {
        fn open_devtools(&self);
        fn close_devtools(&self);
        fn is_devtools_open(&self) -> Result<bool>;
    }

    unreachable_methods! {
        fn url(&self) -> Result<String>;
        fn bounds(&self) -> Result<Rect>;
        fn position(&self) -> Result<PhysicalPosition<i32>>;
        fn size(&self) -> Result<PhysicalSize<u32>>;
        fn navigate(&self, url: Url) -> Result<()>;
        fn reload(&self) -> Result<()>;
        fn print(&self) -> Result<()>;
        fn close(&self) -> Result<()>;
        fn set_bounds(&self, bounds: Rect) -> Result<()>;
        fn set_size(&self, size: Size) -> Result<()>;
        fn set_position(&self, position: Position) -> Result<()>;
        fn set_focus(&self) -> Result<()>;
        fn hide(&self) -> Result<()>;
        fn show(&self) -> Result<()>;
        fn reparent(&self, window_id: tauri_runtime::window::WindowId) -> Result<()>;
        fn cookies_for_url(&self, url: Url) -> Result<Vec<Cookie<'static>>>;
        fn cookies(&self) -> Result<Vec<Cookie<'static>>>;
        fn set_cookie(&self, cookie: Cookie<'_>) -> Result<()>;
        fn delete_cookie(&self, cookie: Cookie<'_>) -> Result<()>;
        fn set_auto_resize(&self, auto_resize: bool) -> Result<()>;
        fn set_zoom(&self, scale_factor: f64) -> Result<()>;
        fn set_background_color(&self, color: Option<Color>) -> Result<()>;
        fn clear_all_browsing_data(&self) -> Result<()>;
    }
}

impl<T: UserEvent> WindowDispatch<T> for NoWindow<T> {
    type Runtime = TrayRuntime<T>;
    type WindowBuilder = NoWindowBuilder;

    fn run_on_main_thread<F: FnOnce() + Send + 'static>(&self, _f: F) -> Result<()> {
        match self.never {}
    }

    fn on_window_event<F: Fn(&WindowEvent) + Send + 'static>(&self, _f: F) -> WindowEventId {
        match self.never {}
    }

    fn window_handle(&self) -> std::result::Result<WindowHandle<'_>, HandleError> {
        match self.never {}
    }

    fn create_window<F: Fn(RawWindow) + Send + 'static>(
        &mut self,
        _pending: PendingWindow<T, TrayRuntime<T>>,
        _after_window_creation: Option<F>,
    ) -> Result<DetachedWindow<T, TrayRuntime<T>>> {
        match self.never {}
    }

    fn create_webview(
        &mut self,
        _pending: PendingWebview<T, TrayRuntime<T>>,
    ) -> Result<DetachedWebview<T, TrayRuntime<T>>> {
        match self.never {}
    }

    fn set_title<S: Into<String>>(&self, _title: S) -> Result<()> {
        match self.never {}
    }

    fn set_cursor_position<Pos: Into<Position>>(&self, _position: Pos) -> Result<()> {
        match self.never {}
    }

    unreachable_methods! {
        fn scale_factor(&self) -> Result<f64>;
        fn inner_position(&self) -> Result<PhysicalPosition<i32>>;
        fn outer_position(&self) -> Result<PhysicalPosition<i32>>;
        fn inner_size(&self) -> Result<PhysicalSize<u32>>;
        fn outer_size(&self) -> Result<PhysicalSize<u32>>;
        fn is_fullscreen(&self) -> Result<bool>;
        fn is_minimized(&self) -> Result<bool>;
        fn is_maximized(&self) -> Result<bool>;
        fn is_focused(&self) -> Result<bool>;
        fn is_decorated(&self) -> Result<bool>;
        fn is_resizable(&self) -> Result<bool>;
        fn is_maximizable(&self) -> Result<bool>;
        fn is_minimizable(&self) -> Result<bool>;
        fn is_closable(&self) -> Result<bool>;
        fn is_visible(&self) -> Result<bool>;
        fn is_enabled(&self) -> Result<bool>;
        fn is_always_on_top(&self) -> Result<bool>;
        fn title(&self) -> Result<String>;
        fn current_monitor(&self) -> Result<Option<Monitor>>;
        fn primary_monitor(&self) -> Result<Option<Monitor>>;
        fn monitor_from_point(&self, x: f64, y: f64) -> Result<Option<Monitor>>;
        fn available_monitors(&self) -> Result<Vec<Monitor>>;
        fn gtk_window(&self) -> Result<gtk::ApplicationWindow>;
        fn default_vbox(&self) -> Result<gtk::Box>;
        fn theme(&self) -> Result<Theme>;
        fn center(&self) -> Result<()>;
        fn request_user_attention(&self, request_type: Option<UserAttentionType>) -> Result<()>;
        fn set_resizable(&self, resizable: bool) -> Result<()>;
        fn set_enabled(&self, enabled: bool) -> Result<()>;
        fn set_maximizable(&self, maximizable: bool) -> Result<()>;
        fn set_minimizable(&self, minimizable: bool) -> Result<()>;
        fn set_closable(&self, closable: bool) -> Result<()>;
        fn maximize(&self) -> Result<()>;
        fn unmaximize(&self) -> Result<()>;
        fn minimize(&self) -> Result<()>;
        fn unminimize(&self) -> Result<()>;
        fn show(&self) -> Result<()>;
        fn hide(&self) -> Result<()>;
        fn close(&self) -> Result<()>;
        fn destroy(&self) -> Result<()>;
        fn set_decorations(&self, decorations: bool) -> Result<()>;
        fn set_shadow(&self, enable: bool) -> Result<()>;
        fn set_always_on_bottom(&self, always_on_bottom: bool) -> Result<()>;
        fn set_always_on_top(&self, always_on_top: bool) -> Result<()>;
        fn set_visible_on_all_workspaces(&self, visible_on_all_workspaces: bool) -> Result<()>;
        fn set_background_color(&self, color: Option<Color>) -> Result<()>;
        fn set_content_protected(&self, protected: bool) -> Result<()>;
        fn set_size(&self, size: Size) -> Result<()>;
        fn set_min_size(&self, size: Option<Size>) -> Result<()>;
        fn set_max_size(&self, size: Option<Size>) -> Result<()>;
        fn set_size_constraints(&self, constraints: WindowSizeConstraints) -> Result<()>;
        fn set_position(&self, position: Position) -> Result<()>;
        fn set_fullscreen(&self, fullscreen: bool) -> Result<()>;
        fn set_fullscreen_on_monitor(&self, position: PhysicalPosition<f64>) -> Result<()>;
        fn set_focus(&self) -> Result<()>;
        fn set_focusable(&self, focusable: bool) -> Result<()>;
        fn set_icon(&self, icon: Icon<'_>) -> Result<()>;
        fn set_skip_taskbar(&self, skip: bool) -> Result<()>;
        fn set_cursor_grab(&self, grab: bool) -> Result<()>;
        fn set_cursor_visible(&self, visible: bool) -> Result<()>;
        fn set_cursor_icon(&self, icon: CursorIcon) -> Result<()>;
        fn set_ignore_cursor_events(&self, ignore: bool) -> Result<()>;
        fn start_dragging(&self) -> Result<()>;
        fn start_resize_dragging(&self, direction: ResizeDirection) -> Result<()>;
        fn set_badge_count(&self, count: Option<i64>, desktop_filename: Option<String>) -> Result<()>;
        fn set_badge_label(&self, label: Option<String>) -> Result<()>;
        fn set_overlay_icon(&self, icon: Option<Icon<'_>>) -> Result<()>;
        fn set_progress_bar(&self, progress_state: ProgressBarState) -> Result<()>;
        fn set_title_bar_style(&self, style: TitleBarStyle) -> Result<()>;
        fn set_traffic_light_position(&self, position: Position) -> Result<()>;
        fn set_theme(&self, theme: Option<Theme>) -> Result<()>;
    }
}

/// The attributes Tauri sets before it asks for a window, kept only as far as its getters need.
#[derive(Debug, Clone, Default)]
pub struct NoWindowBuilder {
    theme: Option<Theme>,
}

impl WindowBuilderBase for NoWindowBuilder {}

/// Builder setters: nothing is ever built from them.
macro_rules! ignored_setters {
    ($(fn $name:ident(self $(, $arg:ident: $ty:ty)*);)*) => {
        $(
            fn $name(self $(, $arg: $ty)*) -> Self {
                $(let _ = $arg;)*
                self
            }
        )*
    };
}

impl WindowBuilder for NoWindowBuilder {
    fn new() -> Self {
        NoWindowBuilder::default()
    }

    fn with_config(config: &WindowConfig) -> Self {
        NoWindowBuilder {
            theme: config.theme,
        }
    }

    fn title<S: Into<String>>(self, _title: S) -> Self {
        self
    }

    fn icon(self, _icon: Icon<'_>) -> Result<Self> {
        Ok(self)
    }

    fn transient_for(self, _parent: &impl gtk::glib::IsA<gtk::Window>) -> Self {
        self
    }

    fn theme(self, theme: Option<Theme>) -> Self {
        NoWindowBuilder { theme }
    }

    fn has_icon(&self) -> bool {
        false
    }

    fn get_theme(&self) -> Option<Theme> {
        self.theme
    }

    fn window_classname<S: Into<String>>(self, _window_classname: S) -> Self {
        self
    }

    ignored_setters! {
        fn center(self);
        fn position(self, x: f64, y: f64);
        fn inner_size(self, width: f64, height: f64);
        fn min_inner_size(self, min_width: f64, min_height: f64);
        fn max_inner_size(self, max_width: f64, max_height: f64);
        fn inner_size_constraints(self, constraints: WindowSizeConstraints);
        fn prevent_overflow(self);
        fn prevent_overflow_with_margin(self, margin: Size);
        fn resizable(self, resizable: bool);
        fn maximizable(self, maximizable: bool);
        fn minimizable(self, minimizable: bool);
        fn closable(self, closable: bool);
        fn fullscreen(self, fullscreen: bool);
        fn focused(self, focused: bool);
        fn focusable(self, focusable: bool);
        fn maximized(self, maximized: bool);
        fn visible(self, visible: bool);
        fn transparent(self, transparent: bool);
        fn decorations(self, decorations: bool);
        fn always_on_bottom(self, always_on_bottom: bool);
        fn always_on_top(self, always_on_top: bool);
        fn visible_on_all_workspaces(self, visible_on_all_workspaces: bool);
        fn content_protected(self, protected: bool);
        fn skip_taskbar(self, skip: bool);
        fn background_color(self, color: Color);
        fn shadow(self, enable: bool);
        fn no_redirection_bitmap(self, enable: bool);
    }
}
