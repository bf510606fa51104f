//! Process settings from the environment, with codex2api-compatible names. Runtime business
//! settings (concurrency, retries, affinity…) live in the store instead; see `service::settings`.
//!
//! Parsing takes a lookup function rather than reading `std::env` directly, so tests can
//! build any configuration without touching the process environment.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::secrets::SecretString;

pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_UPSTREAM_BASE_URL: &str = "https://chatgpt.com/backend-api/codex";
pub const DEFAULT_OAUTH_TOKEN_URL: &str = "https://auth.openai.com/oauth/token";
pub const DEFAULT_SQLITE_PATH: &str = "./data/switchyard.db";
const DEFAULT_MAX_BODY_MB: u64 = 48;
const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 30;

/// A setting that could not be used. Rendered as one line naming the setting.
#[derive(Debug, thiserror::Error)]
#[error("invalid {setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            setting,
            message: message.into(),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file; created (with its folder) when missing.
    Sqlite { path: PathBuf },
    /// A PostgreSQL connection URL. It may hold a password, so `Debug` redacts it.
    Postgres { url: String },
}

impl DatabaseConfig {
    pub fn driver(&self) -> &'static str {
        match self {
            DatabaseConfig::Sqlite { .. } => "sqlite",
            DatabaseConfig::Postgres { .. } => "postgres",
        }
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseConfig::Sqlite { path } => write!(f, "Sqlite({})", path.display()),
            DatabaseConfig::Postgres { url } => write!(f, "Postgres({})", redact_url(url)),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum CacheConfig {
    Memory,
    /// A `redis://` or `rediss://` URL; may hold a password, so `Debug` redacts it.
    Redis {
        url: String,
    },
}

impl CacheConfig {
    pub fn driver(&self) -> &'static str {
        match self {
            CacheConfig::Memory => "memory",
            CacheConfig::Redis { .. } => "redis",
        }
    }
}

impl std::fmt::Debug for CacheConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheConfig::Memory => f.write_str("Memory"),
            CacheConfig::Redis { url } => write!(f, "Redis({})", redact_url(url)),
        }
    }
}

/// Everything the process needs to start. Build it with [`Config::from_env`] or in code
/// (the desktop app does).
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    pub admin_secret: Option<SecretString>,
    pub database: DatabaseConfig,
    pub cache: CacheConfig,
    /// `SWITCHYARD_SECRET_KEY`: 32 bytes, base64. Required with PostgreSQL.
    pub secret_key: Option<SecretString>,
    /// Where the generated key file lives when SQLite is used without `SWITCHYARD_SECRET_KEY`.
    pub secret_key_file: Option<PathBuf>,
    pub upstream_base_url: String,
    pub oauth_token_url: String,
    pub allow_anonymous: bool,
    /// `METRICS_PUBLIC`: serve `/metrics` without the admin secret (for a scraper on a
    /// private network).
    pub metrics_public: bool,
    /// Extra network allowed to call the bootstrap endpoint, e.g. a Docker bridge.
    pub bootstrap_allowed_cidr: Option<String>,
    pub max_body_bytes: usize,
    /// How long in-flight requests may run on after a shutdown signal.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_process_env() -> Result<Config, ConfigError> {
        Config::from_env(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Builds the config from a lookup of environment variables.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let bind = match env("CODEX_BIND") {
            Some(v) => v.trim().parse().map_err(|_| {
                ConfigError::new("CODEX_BIND", format!("{v:?} is not an IP address"))
            })?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let port = parse_num(&env, "CODEX_PORT", DEFAULT_PORT)?;
        let database = database_from_env(&env)?;
        let cache = cache_from_env(&env)?;
        let secret_key_file = match &database {
            DatabaseConfig::Sqlite { path } => Some(key_file_beside(path)),
            DatabaseConfig::Postgres { .. } => None,
        };
        let upstream_base_url =
            url_setting(&env, "CODEX_UPSTREAM_BASE_URL", DEFAULT_UPSTREAM_BASE_URL)?;
        let oauth_token_url = url_setting(&env, "CODEX_OAUTH_TOKEN_URL", DEFAULT_OAUTH_TOKEN_URL)?;
        let max_body_mb: u64 = parse_num(&env, "CODEX_MAX_BODY_SIZE_MB", DEFAULT_MAX_BODY_MB)?;
        let grace: u64 = parse_num(
            &env,
            "SWITCHYARD_SHUTDOWN_GRACE_SECS",
            DEFAULT_SHUTDOWN_GRACE_SECS,
        )?;
        Ok(Config {
            bind,
            port,
            admin_secret: env("ADMIN_SECRET").map(SecretString::new),
            database,
            cache,
            secret_key: env("SWITCHYARD_SECRET_KEY").map(SecretString::new),
            secret_key_file,
            upstream_base_url,
            oauth_token_url,
            allow_anonymous: parse_bool(&env, "CODEX_ALLOW_ANONYMOUS")?,
            metrics_public: parse_bool(&env, "METRICS_PUBLIC")?,
            bootstrap_allowed_cidr: env("BOOTSTRAP_ALLOWED_CIDR"),
            max_body_bytes: usize::try_from(max_body_mb.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(grace),
        })
    }

    /// A config for tests and embedding: SQLite at `path`, memory cache, loopback, port 0.
    pub fn for_sqlite(path: impl Into<PathBuf>) -> Config {
        let path = path.into();
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            admin_secret: None,
            secret_key_file: Some(key_file_beside(&path)),
            database: DatabaseConfig::Sqlite { path },
            cache: CacheConfig::Memory,
            secret_key: None,
            upstream_base_url: DEFAULT_UPSTREAM_BASE_URL.to_owned(),
            oauth_token_url: DEFAULT_OAUTH_TOKEN_URL.to_owned(),
            allow_anonymous: false,
            metrics_public: false,
            bootstrap_allowed_cidr: None,
            max_body_bytes: usize::try_from(DEFAULT_MAX_BODY_MB * 1024 * 1024)
                .unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(DEFAULT_SHUTDOWN_GRACE_SECS),
        }
    }
}

fn database_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<DatabaseConfig, ConfigError> {
    if let Some(url) = env("DATABASE_URL") {
        return database_from_url(&url);
    }
    match env("DATABASE_DRIVER").as_deref().map(str::trim) {
        None | Some("sqlite") => Ok(DatabaseConfig::Sqlite {
            path: PathBuf::from(env("DATABASE_PATH").unwrap_or_else(|| DEFAULT_SQLITE_PATH.into())),
        }),
        Some("postgres") | Some("postgresql") => {
            let host = env("DATABASE_HOST").unwrap_or_else(|| "127.0.0.1".into());
            let port: u16 = parse_num(env, "DATABASE_PORT", 5432)?;
            let user = env("DATABASE_USER").unwrap_or_else(|| "postgres".into());
            let name = env("DATABASE_NAME").unwrap_or_else(|| "switchyard".into());
            let mut url = url::Url::parse("postgres://localhost/")
                .map_err(|e| ConfigError::new("DATABASE_HOST", e.to_string()))?;
            url.set_host(Some(&host))
                .map_err(|e| ConfigError::new("DATABASE_HOST", format!("{host:?}: {e}")))?;
            // Setting parts of a URL we just parsed cannot fail for the postgres scheme.
            let _ = url.set_port(Some(port));
            let _ = url.set_username(&user);
            if let Some(password) = env("DATABASE_PASSWORD") {
                let _ = url.set_password(Some(&password));
            }
            url.set_path(&name);
            if let Some(mode) = env("DATABASE_SSLMODE") {
                url.query_pairs_mut().append_pair("sslmode", &mode);
            }
            Ok(DatabaseConfig::Postgres { url: url.into() })
        }
        Some(other) => Err(ConfigError::new(
            "DATABASE_DRIVER",
            format!("unknown driver {other:?} (expected sqlite or postgres)"),
        )),
    }
}

/// `sqlite:` / `sqlite://` URLs and `postgres://` / `postgresql://` URLs.
fn database_from_url(raw: &str) -> Result<DatabaseConfig, ConfigError> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "sqlite URL has no file path",
            ));
        }
        return Ok(DatabaseConfig::Sqlite {
            path: PathBuf::from(path),
        });
    }
    let url = url::Url::parse(raw)
        .map_err(|e| ConfigError::new("DATABASE_URL", format!("malformed URL: {e}")))?;
    match url.scheme() {
        "postgres" | "postgresql" => Ok(DatabaseConfig::Postgres {
            url: raw.to_owned(),
        }),
        other => Err(ConfigError::new(
            "DATABASE_URL",
            format!("unsupported scheme {other:?} (expected sqlite: or postgres://)"),
        )),
    }
}

fn cache_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<CacheConfig, ConfigError> {
    if let Some(url) = env("REDIS_URL") {
        return redis_url(&url, "REDIS_URL").map(|url| CacheConfig::Redis { url });
    }
    match env("CACHE_DRIVER").as_deref().map(str::trim) {
        None | Some("memory") => Ok(CacheConfig::Memory),
        Some("redis") => {
            let addr = env("REDIS_ADDR").unwrap_or_else(|| "127.0.0.1:6379".into());
            let tls = parse_bool(env, "REDIS_TLS")?;
            let db: u32 = parse_num(env, "REDIS_DB", 0)?;
            let scheme = if tls { "rediss" } else { "redis" };
            let mut url = url::Url::parse(&format!("{scheme}://{addr}/{db}"))
                .map_err(|e| ConfigError::new("REDIS_ADDR", format!("{addr:?}: {e}")))?;
            if let Some(user) = env("REDIS_USERNAME") {
                let _ = url.set_username(&user);
            }
            if let Some(password) = env("REDIS_PASSWORD") {
                let _ = url.set_password(Some(&password));
            }
            Ok(CacheConfig::Redis { url: url.into() })
        }
        Some(other) => Err(ConfigError::new(
            "CACHE_DRIVER",
            format!("unknown driver {other:?} (expected memory or redis)"),
        )),
    }
}

fn redis_url(raw: &str, setting: &'static str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| ConfigError::new(setting, format!("malformed URL: {e}")))?;
    match url.scheme() {
        "redis" | "rediss" => Ok(raw.trim().to_owned()),
        other => Err(ConfigError::new(
            setting,
            format!("unsupported scheme {other:?} (expected redis:// or rediss://)"),
        )),
    }
}

fn url_setting(
    env: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let Some(raw) = env(setting) else {
        return Ok(default.to_owned());
    };
    let url = url::Url::parse(raw.trim())
        .map_err(|e| ConfigError::new(setting, format!("malformed URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(
            setting,
            "expected an http:// or https:// URL",
        ));
    }
    Ok(raw.trim().trim_end_matches('/').to_owned())
}

fn parse_num<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match env(setting) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError::new(setting, format!("{v:?} is not a valid number"))),
    }
}

fn parse_bool(
    env: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
) -> Result<bool, ConfigError> {
    match env(setting)
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase())
    {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::new(
                setting,
                format!("{v:?} is not true or false"),
            )),
        },
    }
}

fn key_file_beside(db_path: &std::path::Path) -> PathBuf {
    db_path.with_file_name("switchyard.key")
}

/// Hides the password of a URL for logs and `Debug`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.into()
        }
        Err(_) => "<unparseable url>".to_owned(),
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
