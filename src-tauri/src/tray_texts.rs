//! The tray's words in English and Chinese: a tiny table in Rust, because the tray menu is
//! built before any WebView (and so any i18next) exists.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// An explicit preference (`en`/`zh`), else the system locale from `LANG`/`LC_ALL`.
    pub fn pick(preference: Option<&str>) -> Lang {
        let env = || {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        };
        match preference.map(str::to_owned).or_else(env) {
            Some(tag) if tag.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }
}

pub struct TrayTexts {
    pub running_on: &'static str,
    pub stopped: &'static str,
    pub accounts_ready: &'static str,
    pub quota_left: &'static str,
    pub quota_unknown: &'static str,
    pub start: &'static str,
    pub stop: &'static str,
    pub copy_url: &'static str,
    pub copy_openai: &'static str,
    pub copy_anthropic: &'static str,
    pub pin: &'static str,
    pub automatic: &'static str,
    pub pause: &'static str,
    pub no_accounts: &'static str,
    pub open_dashboard: &'static str,
    pub connect_clients: &'static str,
    pub connect_codex: &'static str,
    pub restore_codex: &'static str,
    pub restore_claude: &'static str,
    pub connect_claude: &'static str,
    pub launch_at_login: &'static str,
    pub check_updates: &'static str,
    pub quit: &'static str,
    pub degraded_title: &'static str,
    pub no_account_ready: &'static str,
    pub quota_nearly_gone: &'static str,
}

const EN: TrayTexts = TrayTexts {
    running_on: "Running on",
    stopped: "Gateway stopped",
    accounts_ready: "accounts ready",
    quota_left: "quota left",
    quota_unknown: "quota unknown",
    start: "Start gateway",
    stop: "Stop gateway",
    copy_url: "Copy base URL",
    copy_openai: "OpenAI",
    copy_anthropic: "Anthropic",
    pin: "Pin account",
    automatic: "Automatic (no pin)",
    pause: "Pause account",
    no_accounts: "No accounts yet",
    open_dashboard: "Open dashboard",
    connect_clients: "Connect clients",
    connect_codex: "Connect Codex CLI…",
    restore_codex: "Restore previous ~/.codex/config.toml",
    restore_claude: "Restore previous ~/.claude/settings.json",
    connect_claude: "Connect Claude Code…",
    launch_at_login: "Launch at login",
    check_updates: "Check for updates",
    quit: "Quit Switchyard",
    degraded_title: "Switchyard: pool degraded",
    no_account_ready: "No account is ready to serve requests.",
    quota_nearly_gone: "The pool's quota is nearly used up.",
};

const ZH: TrayTexts = TrayTexts {
    running_on: "运行于",
    stopped: "网关已停止",
    accounts_ready: "个账号可用",
    quota_left: "剩余额度",
    quota_unknown: "额度未知",
    start: "启动网关",
    stop: "停止网关",
    copy_url: "复制 Base URL",
    copy_openai: "OpenAI",
    copy_anthropic: "Anthropic",
    pin: "固定账号",
    automatic: "自动（不固定）",
    pause: "暂停账号",
    no_accounts: "暂无账号",
    open_dashboard: "打开控制台",
    connect_clients: "连接客户端",
    connect_codex: "连接 Codex CLI…",
    restore_codex: "恢复之前的 ~/.codex/config.toml",
    restore_claude: "恢复之前的 ~/.claude/settings.json",
    connect_claude: "连接 Claude Code…",
    launch_at_login: "开机启动",
    check_updates: "检查更新",
    quit: "退出 Switchyard",
    degraded_title: "Switchyard：账号池降级",
    no_account_ready: "没有可用的账号。",
    quota_nearly_gone: "账号池额度即将用完。",
};

pub fn texts(lang: Lang) -> &'static TrayTexts {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_preference_then_the_locale() {
        assert_eq!(Lang::pick(Some("zh-CN")), Lang::Zh);
        assert_eq!(Lang::pick(Some("en")), Lang::En);
        assert!(!texts(Lang::Zh).quit.is_empty());
        assert_ne!(texts(Lang::Zh).start, texts(Lang::En).start);
    }
}
