//! Process facts: resident memory from `/proc/<pid>/status`, and cold start (spawn →
//! first `200` from `/health`) of a fresh `switchyard-server` process, optionally pinned
//! with `taskset`; CPU time per thread from `/proc/<pid>/task/*/schedstat`.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::setup::wait_healthy;

/// `VmRSS` and `VmHWM` (peak) of `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// How to start the server for a cold-start run.
#[derive(Debug, Clone)]
pub struct ColdStart {
    pub server_bin: PathBuf,
    pub pin_cpu: Option<String>,
    pub work_dir: PathBuf,
    pub upstream_base_url: String,
    pub oauth_token_url: String,
}

/// Spawn → first `200` from `/health`, in a fresh data dir (`fresh`) and again on the same
/// dir (`existing`, migrations already applied), `runs` times each.
pub async fn cold_start(
    cfg: &ColdStart,
    runs: usize,
) -> Result<(Vec<Duration>, Vec<Duration>), String> {
    let mut fresh = Vec::new();
    let mut existing = Vec::new();
    for run in 0..runs {
        let dir = cfg.work_dir.join(format!("coldstart-{run}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        fresh.push(start_once(cfg, &dir).await?);
        existing.push(start_once(cfg, &dir).await?);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok((fresh, existing))
}

async fn start_once(cfg: &ColdStart, dir: &std::path::Path) -> Result<Duration, String> {
    let port = free_port()?;
    let mut cmd = match &cfg.pin_cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpu).arg(&cfg.server_bin);
            c
        }
        None => Command::new(&cfg.server_bin),
    };
    cmd.env("CODEX_BIND", "127.0.0.1")
        .env("CODEX_PORT", port.to_string())
        .env("DATABASE_PATH", dir.join("switchyard.db"))
        .env("CODEX_UPSTREAM_BASE_URL", &cfg.upstream_base_url)
        .env("CODEX_OAUTH_TOKEN_URL", &cfg.oauth_token_url)
        .env("ADMIN_SECRET", "loadgen-coldstart-secret")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{}: {e}", cfg.server_bin.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let waited = wait_healthy(addr, Duration::from_secs(30)).await;
    let elapsed = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    waited.map(|_| elapsed)
}

/// The median of `values` (the upper middle for an even count).
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// Per thread name (`comm`) of `pid`: nanoseconds on a CPU and waiting runnable for one, from
/// `/proc/<pid>/task/*/schedstat`. Threads of the same name are summed.
pub fn thread_cpu_ns(pid: u32) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("schedstat")),
        ) else {
            continue;
        };
        let mut fields = stat
            .split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0));
        let (run, wait) = (fields.next().unwrap_or(0), fields.next().unwrap_or(0));
        let entry: &mut (u64, u64) = out.entry(comm.trim().to_owned()).or_default();
        entry.0 += run;
        entry.1 += wait;
    }
    out
}
