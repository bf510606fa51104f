//! The wire between the tray process and its dashboard process (`switchyard-dashboard`):
//! one JSON object per line, tray → dashboard on the child's stdin and dashboard → tray on its
//! stdout. The dashboard forwards every command its page invokes and the tray answers it, so
//! the admin token (part of the `gateway_info` answer) only ever travels through this pipe.
//!
//! Why a pipe: the command line is world-readable (`ps`, `/proc/PID/cmdline`); an environment
//! variable stays readable in `/proc/PID/environ` for the process's lifetime and is inherited by
//! every process it starts (WebKit's helpers, `xdg-open`); a stdin/stdout pipe is private to the
//! two ends, needs no unsafe fd passing, works the same on every OS, and closes by itself when
//! either side ends, which is also how the dashboard learns that the tray app quit.

use serde::{Deserialize, Serialize};

/// The dashboard binary, installed next to `switchyard` (it is the one that links WebKit).
pub const DASHBOARD_BINARY: &str = "switchyard-dashboard";

/// Bumped when the messages change incompatibly; the dashboard refuses a different one (an
/// updated binary on disk next to an older running tray app).
pub const PROTOCOL: u32 = 1;

/// Tray → dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToDashboard {
    /// The first line: proves the dashboard was started by the tray app.
    Hello { protocol: u32 },
    /// The user opened the dashboard again: bring the window to the front.
    Focus,
    /// The answer to the forwarded command `id`.
    Reply {
        id: u64,
        result: Result<serde_json::Value, String>,
    },
}

/// Dashboard → tray.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToTray {
    /// A command the page invoked, with its arguments as the page sent them.
    Invoke {
        id: u64,
        command: String,
        args: serde_json::Value,
    },
}

/// One message as one line, newline included.
pub fn encode<T: Serialize>(message: &T) -> String {
    // Serialising these plain enums cannot fail; an empty object would be dropped by the reader.
    let mut line = serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned());
    line.push('\n');
    line
}

/// `None` for a line that is not a message: GTK or WebKit may print to the dashboard's stdout,
/// and such noise must not break the link.
pub fn decode<T: for<'de> Deserialize<'de>>(line: &str) -> Option<T> {
    serde_json::from_str(line.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_single_lines() {
        let messages = [
            ToDashboard::Hello { protocol: PROTOCOL },
            ToDashboard::Focus,
            ToDashboard::Reply {
                id: 7,
                result: Ok(serde_json::json!({ "token": "line\nbreak" })),
            },
            ToDashboard::Reply {
                id: 8,
                result: Err("the gateway is still being set up".into()),
            },
        ];
        for message in messages {
            let line = encode(&message);
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            assert_eq!(decode::<ToDashboard>(&line), Some(message));
        }
        let invoke = ToTray::Invoke {
            id: 1,
            command: "set_autostart".into(),
            args: serde_json::json!({ "enabled": true }),
        };
        assert_eq!(decode::<ToTray>(&encode(&invoke)), Some(invoke));
    }

    #[test]
    fn stray_output_is_not_a_message() {
        assert_eq!(
            decode::<ToTray>("(WebKitWebProcess:42): GLib-WARNING **: …"),
            None
        );
        assert_eq!(decode::<ToTray>(""), None);
        assert_eq!(decode::<ToTray>(r#"{"kind":"unknown"}"#), None);
    }
}
