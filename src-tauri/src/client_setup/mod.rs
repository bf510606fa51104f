//! Connecting Codex CLI and Claude Code to the local gateway without clobbering their config
//! files: a structural edit of only the keys Switchyard owns, a diff shown before anything is
//! written, a timestamped backup beside the file, one-click restore, and a refusal to build a
//! request loop.
//!
//! The flow is `plan` (read + edit in memory + diff) → the user reads the diff → `apply` (which
//! re-reads the file and refuses if it changed since the plan) → maybe `restore`.

pub mod claude;
pub mod codex;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const BACKUP_MARK: &str = ".switchyard-backup-";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Client {
    Codex,
    Claude,
}

impl Client {
    /// The config file under the user's home.
    pub fn path(self, home: &Path) -> PathBuf {
        match self {
            Client::Codex => home.join(".codex").join("config.toml"),
            Client::Claude => home.join(".claude").join("settings.json"),
        }
    }

    fn edit(self, current: &str, target: &Target) -> Result<String, SetupError> {
        match self {
            Client::Codex => codex::edit(current, target),
            Client::Claude => claude::edit(current, target),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("refusing to create a request loop: {0}")]
    Loop(String),
    #[error("the existing file cannot be parsed, so it was left alone: {0}")]
    Unparseable(String),
    #[error("API keys are on: paste one of the gateway's API keys to connect this client")]
    KeyNeeded,
    #[error("the file changed since the diff was shown; review the new diff first")]
    ChangedSincePlan,
    #[error("no Switchyard backup of {0} exists")]
    NoBackup(String),
    #[error("file error: {0}")]
    Io(String),
}

impl From<std::io::Error> for SetupError {
    fn from(e: std::io::Error) -> Self {
        SetupError::Io(e.to_string())
    }
}

/// Where the client should send its requests, and what Switchyard itself forwards to.
#[derive(Debug, Clone)]
pub struct Target {
    pub port: u16,
    /// Switchyard's upstream; a loop check compares it with the gateway's own port.
    pub upstream_base_url: String,
    /// True when the gateway has API keys, so anonymous calls are refused.
    pub keys_required: bool,
    pub api_key: Option<String>,
    /// Codex's `model`, only when the user picked one.
    pub model: Option<String>,
}

impl Target {
    pub fn anthropic_base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.anthropic_base_url())
    }

    fn refuse_self_upstream(&self) -> Result<(), SetupError> {
        if crate::gateway_host::points_at_self(&self.upstream_base_url, self.port) {
            return Err(SetupError::Loop(format!(
                "Switchyard's upstream {} is this gateway (port {}), so a client pointed here \
                 would have its requests sent back to itself",
                self.upstream_base_url, self.port
            )));
        }
        Ok(())
    }
}

/// What `apply` would write, with the diff for the user to read first.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub client: Client,
    pub path: PathBuf,
    /// The file as read (`None` when it does not exist yet).
    pub before: Option<String>,
    pub after: String,
    /// A unified diff of before → after; empty when nothing would change.
    pub diff: String,
    pub changed: bool,
    /// What the user still has to do (e.g. export an API key).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub path: PathBuf,
    /// The copy of the previous file; `None` when there was no file before.
    pub backup: Option<PathBuf>,
}

/// Reads the client's config and computes the edit and its diff. Writes nothing.
pub fn plan(client: Client, home: &Path, target: &Target) -> Result<Plan, SetupError> {
    let path = client.path(home);
    let before = read_optional(&path)?;
    let after = client.edit(before.as_deref().unwrap_or_default(), target)?;
    let diff = unified_diff(&path, before.as_deref().unwrap_or_default(), &after);
    let mut notes = Vec::new();
    if client == Client::Codex && target.keys_required {
        notes.push(format!(
            "Codex reads the API key from ${}: export it in your shell profile",
            codex::API_KEY_ENV
        ));
    }
    Ok(Plan {
        client,
        changed: before.as_deref() != Some(after.as_str()),
        path,
        before,
        after,
        diff,
        notes,
    })
}

/// Writes a planned edit: backs up the current file, then replaces it atomically. Refuses
/// when the file changed after the plan was made, so the user never approves one diff and
/// gets another.
pub fn apply(plan: &Plan) -> Result<Applied, SetupError> {
    let now = read_optional(&plan.path)?;
    if now != plan.before {
        return Err(SetupError::ChangedSincePlan);
    }
    if !plan.changed {
        return Ok(Applied {
            path: plan.path.clone(),
            backup: None,
        });
    }
    let backup = match &plan.before {
        Some(text) => Some(write_backup(&plan.path, text)?),
        None => None,
    };
    write_atomically(&plan.path, &plan.after)?;
    Ok(Applied {
        path: plan.path.clone(),
        backup,
    })
}

/// Puts the newest Switchyard backup back in place (keeping a backup of what it replaces).
pub fn restore(client: Client, home: &Path) -> Result<PathBuf, SetupError> {
    let path = client.path(home);
    let newest = backups(&path)?
        .pop()
        .ok_or_else(|| SetupError::NoBackup(path.display().to_string()))?;
    let text = std::fs::read_to_string(&newest)?;
    if let Some(current) = read_optional(&path)? {
        if current != text {
            write_backup(&path, &current)?;
        }
    }
    write_atomically(&path, &text)?;
    // The restored backup has served; drop it so the next restore goes one step further back.
    std::fs::remove_file(&newest)?;
    Ok(newest)
}

/// Switchyard's backups of `path`, oldest first.
pub fn backups(path: &Path) -> Result<Vec<PathBuf>, SetupError> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{}{BACKUP_MARK}", name.to_string_lossy());
    let mut found: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    // The timestamp in the name sorts chronologically.
    found.sort();
    Ok(found)
}

fn read_optional(path: &Path) -> Result<Option<String>, SetupError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn write_backup(path: &Path, text: &str) -> Result<PathBuf, SetupError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = timestamp();
    let mut backup = path.with_file_name(format!("{name}{BACKUP_MARK}{stamp}"));
    let mut n = 1;
    while backup.exists() {
        backup = path.with_file_name(format!("{name}{BACKUP_MARK}{stamp}-{n}"));
        n += 1;
    }
    std::fs::write(&backup, text)?;
    copy_permissions(path, &backup);
    Ok(backup)
}

/// Writes beside the target and renames over it, so a crash never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), SetupError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("switchyard-tmp");
    std::fs::write(&tmp, text)?;
    copy_permissions(path, &tmp);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Config files can hold keys; a copy must not be more readable than the original.
fn copy_permissions(from: &Path, to: &Path) {
    if let Ok(meta) = std::fs::metadata(from) {
        let _ = std::fs::set_permissions(to, meta.permissions());
    }
}

/// UTC `YYYYMMDDTHHMMSS.mmmZ`-ish stamp from the system clock, sortable as text.
fn timestamp() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let secs = i64::try_from(ms / 1000).unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

#[cfg(test)]
mod tests;
